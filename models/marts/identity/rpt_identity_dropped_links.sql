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
        drop_rule,
        drop_detail,
        source_names,
        first_seen_at,
        last_seen_at,
        count_observations
    from links_checked
    where drop_rule is not null
)

select * from final
