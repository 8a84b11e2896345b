with

links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

identifiers_erased as (
    select * from {{ ref('int_identifiers_erased') }}
),

final as (
    select
        links_checked.identifier_a_type,
        links_checked.identifier_a_value,
        links_checked.identifier_b_type,
        links_checked.identifier_b_value,
        links_checked.drop_rule,
        links_checked.drop_detail,
        links_checked.source_names,
        links_checked.first_seen_at,
        links_checked.last_seen_at,
        links_checked.count_observations
    from links_checked
    -- a link naming an identifier of a person named by an erasure request is forgotten with the person
    left join identifiers_erased as erased_a
        on
            links_checked.identifier_a_type = erased_a.identifier_type
            and links_checked.identifier_a_value = erased_a.identifier_value
    left join identifiers_erased as erased_b
        on
            links_checked.identifier_b_type = erased_b.identifier_type
            and links_checked.identifier_b_value = erased_b.identifier_value
    where
        links_checked.drop_rule is not null
        and erased_a.identifier_value is null
        and erased_b.identifier_value is null
)

select * from final
