{#- One row per segment and current member, as of the analysis date: every segment of macros/segment_definitions.sql
    (compiled_segments) evaluated over dim_person_profiles. A rule segment is one select of the persons whose
    compiled rule holds; a per_value segment one pass giving each person with a value of its tag the segment
    <key>__<value slug>. Persons erased or without a matching tag value are in no segment. -#}
{%- set segments = compiled_segments() %}
with

profiles as (
    select * from {{ ref('dim_person_profiles') }}
),

members as (
    {%- for segment in segments %}
        {%- if segment.per_value %}
            select
                {{ dbt.concat(["'" ~ segment.key ~ "__'", value_slug(segment.per_value)]) }} as segment_key,
                person_id
            from profiles
            where {{ segment.per_value }} is not null
        {%- else %}
            select
                '{{ segment.key }}' as segment_key,
                person_id
            from profiles
            where
                {{ segment.condition_sql | indent(16) }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not segments %}
        -- no segment defined: an empty relation with the same columns
        select
            cast(null as {{ dbt.type_string() }}) as segment_key,
            cast(null as {{ dbt.type_string() }}) as person_id
        from profiles
        where 1 = 0
    {%- endif %}
),

final as (
    select
        segment_key,
        person_id
    from members
)

select * from final
