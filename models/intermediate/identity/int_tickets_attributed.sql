with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
-- Rows of persons named by an erasure request are dropped.
tickets_ruled as (
    {{ attribute_by_identifiers(
        'tickets',
        'identifiers_resolved',
        [('user_id', 'user_id'), ('crm_id', 'crm_id'), ('phone', 'phone_hash')],
        'persons_erased',
    ) }}
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
        person_id,
        attribution_rule
    from tickets_ruled
)

select * from final
