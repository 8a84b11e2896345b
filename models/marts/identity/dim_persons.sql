{%- set identifier_types = [
    'anonymous_id', 'user_id', 'device_id', 'phone', 'email',
    'wechat_openid', 'wechat_unionid', 'crm_id', 'member_id',
] %}
{#- an identifier lists at most every raw source once -#}
{%- set max_source_names = source_staging_models() | length %}

with

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

source_positions as (
    {%- for position in range(1, max_source_names + 1) %}
        select {{ position }} as source_position
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- the union of the identifiers' source lists, without exploding arrays (not portable)
person_sources as (
    select distinct
        identifiers_resolved.person_id,
        {{ dbt.split_part('identifiers_resolved.source_names', "','", 'source_positions.source_position') }}
            as source_name
    from identifiers_resolved
    cross join source_positions
),

person_source_lists as (
    select
        person_id,
        {{ listagg_sorted('source_name') }} as source_names
    from person_sources
    where source_name is not null and source_name <> ''
    group by person_id
),

persons as (
    select
        person_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as count_identifiers,
        {%- for identifier_type in identifier_types %}
            count(case when identifier_type = '{{ identifier_type }}' then 1 end) as count_{{ identifier_type }}s,
        {%- endfor %}
        {{ dbt.bool_or('is_suspicious_component') }} as is_suspicious_component
    from identifiers_resolved
    group by person_id
),

final as (
    select
        persons.person_id,
        persons.first_seen_at,
        persons.last_seen_at,
        persons.count_identifiers,
        {%- for identifier_type in identifier_types %}
            persons.count_{{ identifier_type }}s,
        {%- endfor %}
        person_source_lists.source_names,
        persons.is_suspicious_component
    from persons
    left join person_source_lists
        on persons.person_id = person_source_lists.person_id
)

select * from final
