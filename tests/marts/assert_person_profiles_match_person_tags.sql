-- A failure means the wide profile (dim_person_profiles, what BI reads) and the long tags (fct_person_tags)
-- disagree: a person's tag value is in one and not the other, or differs. Each row returned is one (person,
-- tag) found on one side only or with other values on each side (both shown). The wide side is unpivoted tag
-- by tag from the catalog; the long side joins multi-value tags with listagg (not the pivot's own method), so
-- the two are independent.
{%- set tags = tag_catalog() %}

with

profiles as (
    select * from {{ ref('dim_person_profiles') }}
),

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

wide_values as (
    {%- for tag in tags %}
        select
            person_id,
            '{{ tag.tag_code }}' as tag_code,
            {%- if tag.value_type == 'number' %}
                cast(null as {{ dbt.type_string() }}) as tag_value,
                cast({{ tag.tag_code }} as double) as tag_number
            {%- elif tag.value_type == 'boolean' %}
                case when {{ tag.tag_code }} then 'true' else 'false' end as tag_value,
                cast(null as double) as tag_number
            {%- else %}
                cast({{ tag.tag_code }} as {{ dbt.type_string() }}) as tag_value,
                cast(null as double) as tag_number
            {%- endif %}
        from profiles
        where {{ tag.tag_code }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

long_values as (
    select
        person_id,
        tag_code,
        case
            when max(value_type) <> 'number'
                then {{ listagg_sorted('tag_value', "','", 'value_rank') }}
        end as tag_value,
        max(tag_number) as tag_number
    from person_tags
    group by person_id, tag_code
),

-- one row per (person, tag) on each side: a full outer join on that key (a sort-merge join on Spark, where
-- EXCEPT's distinct aggregation over the union of every tag ran out of hash-map memory) compares the values
compared as (
    select
        coalesce(wide_values.person_id, long_values.person_id) as person_id,
        coalesce(wide_values.tag_code, long_values.tag_code) as tag_code,
        wide_values.person_id is not null as is_in_wide,
        long_values.person_id is not null as is_in_long,
        wide_values.tag_value as wide_tag_value,
        long_values.tag_value as long_tag_value,
        wide_values.tag_number as wide_tag_number,
        long_values.tag_number as long_tag_number
    from wide_values
    full outer join long_values
        on
            wide_values.person_id = long_values.person_id
            and wide_values.tag_code = long_values.tag_code
),

final as (
    select
        case
            when not is_in_long then 'only in dim_person_profiles'
            when not is_in_wide then 'only in fct_person_tags'
            else 'values differ'
        end as side,
        person_id,
        tag_code,
        wide_tag_value,
        long_tag_value,
        wide_tag_number,
        long_tag_number
    from compared
    where
        not is_in_wide
        or not is_in_long
        or not coalesce(wide_tag_value = long_tag_value, wide_tag_value is null and long_tag_value is null)
        or not coalesce(wide_tag_number = long_tag_number, wide_tag_number is null and long_tag_number is null)
)

select * from final
