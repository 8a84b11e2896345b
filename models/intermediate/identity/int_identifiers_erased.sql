{#- Every identifier to forget: all identifiers of each component of the identity graph that holds an
    identifier named by an erasure request. Upstream of the identity history (bdg_person_identifiers
    reads it), so it cannot look at person ids of the past: int_persons_erased adds those. -#}
with

erasure_requests as (
    select * from {{ ref('stg_privacy__erasure_requests') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

-- A request for an identifier the graph does not hold (never seen in a clean row, or blocked by a hygiene
-- rule) names nobody and forgets nothing. A component named by several requests goes under the earliest.
components_requested as (
    select
        identifiers_resolved.component_id,
        erasure_requests.request_id,
        erasure_requests.requested_at
    from erasure_requests
    inner join identifiers_resolved
        on
            erasure_requests.identifier_type = identifiers_resolved.identifier_type
            and erasure_requests.identifier_value = identifiers_resolved.identifier_value
    qualify
        row_number() over (
            partition by identifiers_resolved.component_id
            order by erasure_requests.requested_at asc, erasure_requests.request_id asc
        ) = 1
),

final as (
    select
        identifiers_resolved.identifier_type,
        identifiers_resolved.identifier_value,
        identifiers_resolved.person_id,
        components_requested.request_id,
        components_requested.requested_at
    from identifiers_resolved
    inner join components_requested
        on identifiers_resolved.component_id = components_requested.component_id
)

select * from final
