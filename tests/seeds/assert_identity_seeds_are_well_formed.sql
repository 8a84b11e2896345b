-- A failure means a row of the identity hygiene seeds cannot work as written: an email_domain rule on
-- another type than email, a link limit below 1, a merge without its other identifier, a pair override
-- with only one half of the other identifier, or an override of an identifier with itself. Fix the seed.
with

blocked_values as (
    select * from {{ ref('identity_blocked_values') }}
),

link_limits as (
    select * from {{ ref('identity_link_limits') }}
),

overrides as (
    select * from {{ ref('identity_overrides') }}
),

problems as (
    select
        'identity_blocked_values' as seed_name,
        {{ dbt.concat(['identifier_type', "' '", 'match_type', "' '", 'pattern']) }} as seed_row,
        'an email_domain rule must have identifier_type email' as problem
    from blocked_values
    where match_type = 'email_domain' and identifier_type <> 'email'

    union all

    select
        'identity_link_limits' as seed_name,
        {{ dbt.concat(['identifier_type', "' -> '", 'linked_identifier_type']) }} as seed_row,
        'max_linked_identifiers must be at least 1' as problem
    from link_limits
    where max_linked_identifiers < 1

    union all

    select
        'identity_overrides' as seed_name,
        {{ dbt.concat(['action', "' '", 'identifier_type', "' '", 'identifier_value']) }} as seed_row,
        case
            when (other_identifier_type is null) <> (other_identifier_value is null)
                then 'other_identifier_type and other_identifier_value must both be set or both be blank'
            when action = 'merge' and other_identifier_value is null
                then 'a merge needs the other identifier'
            else 'an identifier cannot be split from or merged with itself'
        end as problem
    from overrides
    where
        (other_identifier_type is null) <> (other_identifier_value is null)
        or (action = 'merge' and other_identifier_value is null)
        or (identifier_type = other_identifier_type and identifier_value = other_identifier_value)
)

select * from problems
