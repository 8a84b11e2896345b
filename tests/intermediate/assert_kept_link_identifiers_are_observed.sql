-- A failure means a kept link has a side that is not a node of int_identifiers_observed (a blocked or
-- never-seen identifier slipped through): the components would then hold identifiers no source knows.
with

links_kept as (
    select * from {{ ref('int_identifier_links_kept') }}
),

identifiers_observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

link_sides as (
    select
        identifier_a_type as identifier_type,
        identifier_a_value as identifier_value
    from links_kept
    union
    select
        identifier_b_type as identifier_type,
        identifier_b_value as identifier_value
    from links_kept
)

select link_sides.*
from link_sides
left join identifiers_observed
    on
        link_sides.identifier_type = identifiers_observed.identifier_type
        and link_sides.identifier_value = identifiers_observed.identifier_value
where identifiers_observed.identifier_value is null
