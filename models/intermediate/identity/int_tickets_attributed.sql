with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
tickets_ruled as (
    select
        tickets.*,
        user_ids.person_id as user_person_id,
        crm_ids.person_id as crm_person_id,
        phones.person_id as phone_person_id,
        case
            when user_ids.person_id is not null then 'user_id'
            when crm_ids.person_id is not null then 'crm_id'
            when phones.person_id is not null then 'phone'
            when
                tickets.user_id is not null
                or tickets.crm_id is not null
                or tickets.phone_hash is not null
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from tickets
    left join identifiers_resolved as user_ids
        on
            user_ids.identifier_type = 'user_id'
            and tickets.user_id = user_ids.identifier_value
    left join identifiers_resolved as crm_ids
        on
            crm_ids.identifier_type = 'crm_id'
            and tickets.crm_id = crm_ids.identifier_value
    left join identifiers_resolved as phones
        on
            phones.identifier_type = 'phone'
            and tickets.phone_hash = phones.identifier_value
),

-- Every staging column but content: the customer's free text is raw personal data and stays in staging.
final as (
    select
        ticket_id,
        crm_id,
        user_id,
        phone_hash,
        has_invalid_phone,
        created_at,
        created_date,
        resolved_at,
        resolved_date,
        is_resolved,
        resolution_hours,
        channel,
        category,
        csat_score,
        _raw_row_id,
        _load_id,
        _loaded_at,
        case attribution_rule
            when 'user_id' then user_person_id
            when 'crm_id' then crm_person_id
            when 'phone' then phone_person_id
        end as person_id,
        attribution_rule
    from tickets_ruled
)

select * from final
