with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

identifiers_erased as (
    select * from {{ ref('int_identifiers_erased') }}
),

final as (
    select
        identifiers_resolved.identifier_type,
        identifiers_resolved.identifier_value,
        identifiers_resolved.person_id,
        identifiers_resolved.first_seen_at,
        identifiers_resolved.last_seen_at
    from identifiers_resolved
    -- persons named by an erasure request are forgotten
    left join identifiers_erased
        on
            identifiers_resolved.identifier_type = identifiers_erased.identifier_type
            and identifiers_resolved.identifier_value = identifiers_erased.identifier_value
    where identifiers_erased.identifier_value is null
)

select * from final
