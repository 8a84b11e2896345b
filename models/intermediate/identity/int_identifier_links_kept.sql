with

links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

final as (
    select
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value,
        first_seen_at,
        last_seen_at,
        count_observations,
        source_names
    from links_checked
    where drop_rule is null
)

select * from final
