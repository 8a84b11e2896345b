-- A failure (a warning) means the identity graph needed nearly all of the var identity_max_rounds
-- propagation rounds (fewer than 5 to spare): the build will fail outright once it needs them all.
-- Raise identity_max_rounds (each round costs a few joins) before that happens; a jump in rounds
-- usually comes with an unusually long chain of links, so look at the persons listed here too.
{{ config(severity='warn') }}

with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
)

select
    person_id,
    max(count_component_rounds) as count_rounds,
    {{ var('identity_max_rounds') }} as max_rounds
from identifiers_resolved
where count_component_rounds >= {{ var('identity_max_rounds') | int }} - 5
group by person_id
