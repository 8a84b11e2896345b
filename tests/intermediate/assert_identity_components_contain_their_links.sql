-- A failure means a kept link joins identifiers resolved to two different persons, or a person_id names
-- two components (a 64-bit hash prefix collision): the connected components are wrong. Each row is a
-- counterexample. Rebuild int_identifiers_resolved and compare with the connected_components macro.

with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

identifier_links_kept as (
    select * from {{ ref('int_identifier_links_kept') }}
),

links_across_persons as (
    select
        'link across persons' as failure,
        identifier_links_kept.identifier_a_type || ':' || identifier_links_kept.identifier_a_value as detail_a,
        identifier_links_kept.identifier_b_type || ':' || identifier_links_kept.identifier_b_value as detail_b
    from identifier_links_kept
    inner join identifiers_resolved as resolved_a
        on
            identifier_links_kept.identifier_a_type = resolved_a.identifier_type
            and identifier_links_kept.identifier_a_value = resolved_a.identifier_value
    inner join identifiers_resolved as resolved_b
        on
            identifier_links_kept.identifier_b_type = resolved_b.identifier_type
            and identifier_links_kept.identifier_b_value = resolved_b.identifier_value
    where resolved_a.person_id <> resolved_b.person_id or resolved_a.component_id <> resolved_b.component_id
),

persons_in_several_components as (
    select
        'person id of several components' as failure,
        person_id as detail_a,
        min(component_id) as detail_b
    from identifiers_resolved
    group by person_id
    having count(distinct component_id) > 1
)

select * from links_across_persons
union all
select * from persons_in_several_components
