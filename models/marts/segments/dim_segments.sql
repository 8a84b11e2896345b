{#- One row per segment as of the analysis date: every rule segment of macros/segment_definitions.sql, and one row
    per value found today for each per_value segment (<key>__<value slug>), with its readable definition, member
    count and share of all persons. The members are int_segment_members_evaluated; a rule segment without
    members has count 0, a per_value segment has rows only for values some person holds. -#}
{%- set segments = compiled_segments() %}
{%- set value_segments = segments | selectattr('per_value') | list %}
{%- set defined_rows = [] %}
{%- for segment in segments %}
    {%- do defined_rows.append({
        'definition_key': segment.key,
        'segment_name_zh': segment.name_zh,
        'segment_name_en': segment.name_en,
        'segment_kind': segment.kind,
        'per_value_tag': segment.per_value,
        'definition': segment.definition,
        'is_exportable': segment.is_exportable,
        'owner': segment.owner,
        'description': segment.description | trim,
    }) %}
{%- endfor %}
with

profiles as (
    select * from {{ ref('dim_person_profiles') }}
),

members as (
    select * from {{ ref('int_segment_members_evaluated') }}
),

defined_segments as (
    {{ literal_rows(defined_rows, [
        ['definition_key', 'string'], ['segment_name_zh', 'string'], ['segment_name_en', 'string'],
        ['segment_kind', 'string'], ['per_value_tag', 'string'], ['definition', 'string'],
        ['is_exportable', 'boolean'], ['owner', 'string'], ['description', 'string'],
    ]) }}
),

-- the values of each per_value segment's tag that some person holds today
tag_values as (
    {%- for segment in value_segments %}
        select distinct
            '{{ segment.key }}' as definition_key,
            {{ segment.per_value }} as segment_value
        from profiles
        where {{ segment.per_value }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not value_segments %}
        select
            cast(null as {{ dbt.type_string() }}) as definition_key,
            cast(null as {{ dbt.type_string() }}) as segment_value
        from profiles
        where 1 = 0
    {%- endif %}
),

expanded_segments as (
    select
        defined_segments.definition_key,
        tag_values.segment_value,
        defined_segments.segment_kind,
        defined_segments.is_exportable,
        defined_segments.owner,
        defined_segments.description,
        case
            when defined_segments.per_value_tag is null then defined_segments.definition_key
            else {{ dbt.concat(["defined_segments.definition_key", "'__'", value_slug('tag_values.segment_value')]) }}
        end as segment_key,
        case
            when defined_segments.per_value_tag is null then defined_segments.segment_name_zh
            else {{ dbt.concat(["defined_segments.segment_name_zh", "': '", "tag_values.segment_value"]) }}
        end as segment_name_zh,
        case
            when defined_segments.per_value_tag is null then defined_segments.segment_name_en
            else {{ dbt.concat(["defined_segments.segment_name_en", "': '", "tag_values.segment_value"]) }}
        end as segment_name_en,
        case
            when defined_segments.per_value_tag is null then defined_segments.definition
            else {{ dbt.concat(["defined_segments.per_value_tag", "' = '", "tag_values.segment_value"]) }}
        end as definition
    from defined_segments
    left join tag_values
        on defined_segments.definition_key = tag_values.definition_key
    where defined_segments.per_value_tag is null or tag_values.segment_value is not null
),

member_counts as (
    select
        segment_key,
        count(*) as count_members
    from members
    group by segment_key
),

person_counts as (
    select count(*) as count_persons
    from profiles
),

final as (
    select
        expanded_segments.segment_key,
        expanded_segments.definition_key,
        expanded_segments.segment_name_zh,
        expanded_segments.segment_name_en,
        expanded_segments.segment_kind,
        expanded_segments.segment_value,
        expanded_segments.definition,
        expanded_segments.is_exportable,
        expanded_segments.owner,
        expanded_segments.description,
        cast(coalesce(member_counts.count_members, 0) as {{ dbt.type_bigint() }}) as count_members,
        case
            when person_counts.count_persons > 0
                then cast(coalesce(member_counts.count_members, 0) as double) / person_counts.count_persons
        end as member_share,
        {{ as_of_date() }} as as_of_date
    from expanded_segments
    cross join person_counts
    left join member_counts
        on expanded_segments.segment_key = member_counts.segment_key
)

select * from final
