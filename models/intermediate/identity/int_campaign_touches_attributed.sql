with

campaign_touches as (
    select * from {{ ref('stg_marketing__campaign_touches') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
campaign_touches_ruled as (
    select
        campaign_touches.*,
        user_ids.person_id as user_person_id,
        crm_ids.person_id as crm_person_id,
        phones.person_id as phone_person_id,
        case
            when user_ids.person_id is not null then 'user_id'
            when crm_ids.person_id is not null then 'crm_id'
            when phones.person_id is not null then 'phone'
            when
                campaign_touches.user_id is not null
                or campaign_touches.crm_id is not null
                or campaign_touches.phone_hash is not null
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from campaign_touches
    left join identifiers_resolved as user_ids
        on
            user_ids.identifier_type = 'user_id'
            and campaign_touches.user_id = user_ids.identifier_value
    left join identifiers_resolved as crm_ids
        on
            crm_ids.identifier_type = 'crm_id'
            and campaign_touches.crm_id = crm_ids.identifier_value
    left join identifiers_resolved as phones
        on
            phones.identifier_type = 'phone'
            and campaign_touches.phone_hash = phones.identifier_value
),

final as (
    select
        touch_id,
        campaign_id,
        campaign_name,
        channel,
        user_id,
        crm_id,
        phone_hash,
        has_invalid_phone,
        sent_at,
        sent_date,
        opened_at,
        clicked_at,
        is_opened,
        is_clicked,
        coupon_code,
        _raw_row_id,
        _load_id,
        _loaded_at,
        case attribution_rule
            when 'user_id' then user_person_id
            when 'crm_id' then crm_person_id
            when 'phone' then phone_person_id
        end as person_id,
        attribution_rule
    from campaign_touches_ruled
)

select * from final
