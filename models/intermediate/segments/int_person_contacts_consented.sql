with

persons as (
    select * from {{ ref('dim_persons') }}
),

person_identifiers as (
    select * from {{ ref('bdg_person_identifiers') }}
),

crm_customers as (
    select * from {{ ref('stg_crm__customers') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

-- One identifier per person and contact type: the one a record carried most recently, which is the likeliest
-- to still reach them (ties: the smallest value, so reruns agree).
latest_contacts as (
    select
        person_id,
        identifier_type,
        identifier_value
    from person_identifiers
    where identifier_type in ('phone', 'email', 'wechat_openid', 'wechat_unionid', 'member_id')
    qualify
        row_number() over (
            partition by person_id, identifier_type
            order by last_seen_at desc nulls last, identifier_value asc
        ) = 1
),

contacts as (
    select
        person_id,
        max(case when identifier_type = 'phone' then identifier_value end) as phone_hash,
        max(case when identifier_type = 'email' then identifier_value end) as email_hash,
        max(case when identifier_type = 'wechat_openid' then identifier_value end) as wechat_openid,
        max(case when identifier_type = 'wechat_unionid' then identifier_value end) as wechat_unionid,
        max(case when identifier_type = 'member_id' then identifier_value end) as member_id
    from latest_contacts
    group by person_id
),

-- A CRM record deleted in the CRM refuses whatever its last consent said: the customer asked to leave.
crm_consents as (
    select
        person_identifiers.person_id,
        count(*) as count_crm_records,
        sum(case when crm_customers.is_deleted or not crm_customers.is_marketing_opt_in then 1 else 0 end)
            as count_refusals,
        sum(case when not crm_customers.is_deleted and crm_customers.is_marketing_opt_in then 1 else 0 end)
            as count_consents
    from person_identifiers
    inner join crm_customers
        on person_identifiers.identifier_value = crm_customers.crm_id
    where person_identifiers.identifier_type = 'crm_id'
    group by person_identifiers.person_id
),

erased as (
    select distinct person_id
    from persons_erased
),

consented as (
    select
        persons.person_id,
        contacts.phone_hash,
        contacts.email_hash,
        contacts.wechat_openid,
        contacts.wechat_unionid,
        contacts.member_id,
        coalesce(crm_consents.count_crm_records, 0) as count_crm_records,
        coalesce(crm_consents.count_crm_records, 0) > 0 as has_crm_record,
        -- One refusal outweighs any number of consents; no CRM record (or none that says) is unknown (null).
        case
            when crm_consents.count_refusals > 0 then false
            when crm_consents.count_consents > 0 then true
        end as is_marketing_opt_in,
        erased.person_id is not null as has_pending_erasure
    from persons
    left join contacts
        on persons.person_id = contacts.person_id
    left join crm_consents
        on persons.person_id = crm_consents.person_id
    left join erased
        on persons.person_id = erased.person_id
),

final as (
    select
        person_id,
        phone_hash,
        email_hash,
        wechat_openid,
        wechat_unionid,
        member_id,
        count_crm_records,
        has_crm_record,
        is_marketing_opt_in,
        has_pending_erasure,
        coalesce(is_marketing_opt_in, false) and not has_pending_erasure as is_contactable
    from consented
)

select * from final
