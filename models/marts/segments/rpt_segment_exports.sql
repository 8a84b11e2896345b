with

segment_members as (
    select * from {{ ref('int_segment_members_evaluated') }}
),

segments as (
    select * from {{ ref('dim_segments') }}
),

person_contacts as (
    select * from {{ ref('int_person_contacts_consented') }}
),

exportable_segments as (
    select segment_key
    from segments
    where is_exportable
),

final as (
    select
        segment_members.segment_key,
        segment_members.person_id,
        person_contacts.phone_hash,
        person_contacts.email_hash,
        person_contacts.wechat_openid,
        person_contacts.wechat_unionid,
        person_contacts.member_id,
        {{ as_of_date() }} as as_of_date
    from segment_members
    inner join exportable_segments
        on segment_members.segment_key = exportable_segments.segment_key
    inner join person_contacts
        on segment_members.person_id = person_contacts.person_id
    -- Consent and erasure are decided once, in int_person_contacts_consented; nobody else is ever exported.
    where person_contacts.is_contactable
)

select * from final
