-- A failure means a pair seen by a source is missing from int_identifier_links_checked, or its evidence
-- there does not add up to the per-source rows: a link would have vanished without an audit trail.
with

links_observed as (
    select * from {{ ref('int_identifier_links_observed') }}
),

links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

observed_pairs as (
    select
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value,
        sum(count_observations) as count_observations
    from links_observed
    group by identifier_a_type, identifier_a_value, identifier_b_type, identifier_b_value
)

select
    observed_pairs.*,
    links_checked.count_observations as checked_count_observations
from observed_pairs
left join links_checked
    on
        observed_pairs.identifier_a_type = links_checked.identifier_a_type
        and observed_pairs.identifier_a_value = links_checked.identifier_a_value
        and observed_pairs.identifier_b_type = links_checked.identifier_b_type
        and observed_pairs.identifier_b_value = links_checked.identifier_b_value
where
    links_checked.identifier_a_value is null
    -- an override merge of an observed pair adds one observation
    or links_checked.count_observations
    - case when links_checked.source_names like '%override%' then 1 else 0 end
    <> observed_pairs.count_observations
