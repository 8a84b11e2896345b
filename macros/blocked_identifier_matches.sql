{#- SELECT of one row per identifier of `identifiers` (a CTE or relation with identifier_type,
    identifier_value and email_domain) that a rule of the identity_blocked_values seed blocks, with the
    rule that blocks it: blocked_match_type and blocked_pattern (the first rule by match type and pattern
    when several match). Exact rules compare lower-cased values; regex rules are matched against the
    lower-cased value; email_domain rules match the domain and its subdomains. Every branch joins on
    something selective (the value, the type, emails only) so that millions of identifiers are not
    crossed with every rule. -#}
{% macro blocked_identifier_matches(identifiers) -%}
    with

    blocked_values as (
        select
            identifier_type,
            match_type,
            case when match_type = 'regex' then pattern else lower(trim(pattern)) end as pattern
        from {{ ref('identity_blocked_values') }}
    ),

    exact_matches as (
        select
            identifiers.identifier_type,
            identifiers.identifier_value,
            blocked_values.match_type as blocked_match_type,
            blocked_values.pattern as blocked_pattern
        from {{ identifiers }} as identifiers
        inner join blocked_values
            on
                lower(trim(identifiers.identifier_value)) = blocked_values.pattern
                and blocked_values.identifier_type in (identifiers.identifier_type, '*')
        where blocked_values.match_type = 'exact'
    ),

    typed_regex_matches as (
        select
            identifiers.identifier_type,
            identifiers.identifier_value,
            blocked_values.match_type as blocked_match_type,
            blocked_values.pattern as blocked_pattern
        from {{ identifiers }} as identifiers
        inner join blocked_values
            on identifiers.identifier_type = blocked_values.identifier_type
        where
            blocked_values.match_type = 'regex'
            and {{ matches_pattern_expression('lower(identifiers.identifier_value)', 'blocked_values.pattern') }}
    ),

    any_type_regex_matches as (
        select
            identifiers.identifier_type,
            identifiers.identifier_value,
            any_type_rules.match_type as blocked_match_type,
            any_type_rules.pattern as blocked_pattern
        from {{ identifiers }} as identifiers
        cross join (
            select * from blocked_values
            where match_type = 'regex' and identifier_type = '*'
        ) as any_type_rules
        where {{ matches_pattern_expression('lower(identifiers.identifier_value)', 'any_type_rules.pattern') }}
    ),

    email_domain_matches as (
        select
            identifiers.identifier_type,
            identifiers.identifier_value,
            blocked_values.match_type as blocked_match_type,
            blocked_values.pattern as blocked_pattern
        from {{ identifiers }} as identifiers
        inner join blocked_values
            on identifiers.identifier_type = blocked_values.identifier_type
        where
            blocked_values.match_type = 'email_domain'
            and (
                lower(identifiers.email_domain) = blocked_values.pattern
                or lower(identifiers.email_domain) like {{ dbt.concat(["'%.'", 'blocked_values.pattern']) }}
            )
    ),

    matches as (
        select * from exact_matches
        union all
        select * from typed_regex_matches
        union all
        select * from any_type_regex_matches
        union all
        select * from email_domain_matches
    )

    select
        identifier_type,
        identifier_value,
        blocked_match_type,
        blocked_pattern
    from matches
    qualify
        row_number() over (
            partition by identifier_type, identifier_value
            order by blocked_match_type, blocked_pattern
        ) = 1
{%- endmacro %}
