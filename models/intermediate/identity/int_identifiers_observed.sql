{%- set slots = identifier_slots() %}

with

combinations as (
    {{ identifier_combinations() }}
),

-- one row per slot a combination fills; an identifier in two slots of one combination cannot happen
-- (an alias call's previousId equal to its anonymousId is dropped upstream)
sightings as (
    {%- for slot in slots %}
        select
            '{{ slot.type }}' as identifier_type,
            {{ slot.column }} as identifier_value,
            {% if slot.type == 'email' %}email_domain,{% else %}null as email_domain,{% endif %}
            source_name,
            first_seen_at,
            last_seen_at,
            count_observations
        from combinations
        where {{ slot.column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

identifiers_by_source as (
    select
        identifier_type,
        identifier_value,
        source_name,
        max(email_domain) as email_domain,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(count_observations) as {{ dbt.type_bigint() }}) as count_observations
    from sightings
    group by identifier_type, identifier_value, source_name
),

identifiers as (
    select
        identifier_type,
        identifier_value,
        max(email_domain) as email_domain
    from identifiers_by_source
    group by identifier_type, identifier_value
),

blocked_identifiers as (
    {{ blocked_identifier_matches('identifiers') }}
),

kept_by_source as (
    select identifiers_by_source.*
    from identifiers_by_source
    left join blocked_identifiers
        on
            identifiers_by_source.identifier_type = blocked_identifiers.identifier_type
            and identifiers_by_source.identifier_value = blocked_identifiers.identifier_value
    where blocked_identifiers.identifier_value is null
),

final as (
    select
        identifier_type,
        identifier_value,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(count_observations) as {{ dbt.type_bigint() }}) as count_observations,
        {{ listagg_sorted('source_name') }} as source_names
    from kept_by_source
    group by identifier_type, identifier_value
)

select * from final
