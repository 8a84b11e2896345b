-- A failure means a link is stored with its sides in the wrong order (or links an identifier to itself):
-- every pair must have identifier_a_type || ':' || identifier_a_value < identifier_b_type || ':' || identifier_b_value,
-- or the same pair could be stored twice and consumers could not join on it.
with

links_observed as (
    select * from {{ ref('int_identifier_links_observed') }}
),

links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

links as (
    select
        'int_identifier_links_observed' as model_name,
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value
    from links_observed
    union all
    select
        'int_identifier_links_checked' as model_name,
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value
    from links_checked
)

select * from links
where
    {{ dbt.concat(['identifier_a_type', "':'", 'identifier_a_value']) }}
    >= {{ dbt.concat(['identifier_b_type', "':'", 'identifier_b_value']) }}
