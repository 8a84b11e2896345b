with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

final as (
    select
        identifier_type,
        identifier_value,
        person_id,
        first_seen_at,
        last_seen_at
    from identifiers_resolved
)

select * from final
