-- A failure (a warning) lists the persons holding more than var identity_suspicious_component_size
-- identifiers: most likely several people joined through a shared identifier (a kiosk, a family phone,
-- a placeholder value) that the hygiene rules let through. Find the identifier in
-- marts.bdg_person_identifiers and block it or cap its links (seeds identity_blocked_values,
-- identity_link_limits); the persons stay flagged is_suspicious_component until then.
{{ config(severity='warn') }}

with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
)

select
    person_id,
    component_id,
    count(*) as count_identifiers,
    {{ var('identity_suspicious_component_size') }} as threshold
from identifiers_resolved
where is_suspicious_component
group by person_id, component_id
