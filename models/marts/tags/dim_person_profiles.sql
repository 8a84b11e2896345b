{#- One row per person of dim_persons (also those without any tag) and one column per catalog tag, in catalog
    order: the pivot of fct_person_tags. Enum tags are text, number tags double, boolean tags boolean and
    multi-value tags their values joined with ',' in value_rank order (strongest first). The columns of
    dim_person_profiles.yml are generated from the catalog: python -m orchestration.tag_catalog. -#}
{%- set tags = tag_catalog() %}
{%- set max_ranks = [1] %}
{%- for tag in tags if tag.value_type == 'multi_value' %}
    {%- do max_ranks.append(tag.max_values | int) %}
{%- endfor %}
{%- set column_sql = {
    'number': "max(case when tag_code = '@' then tag_number end)",
    'boolean': "cast(max(case when tag_code = '@' then tag_value end) as " ~ dbt.type_boolean() ~ ")",
    'enum': "max(case when tag_code = '@' then tag_value end)",
    'multi_value': "max(case when tag_code = '@' then tag_value end)",
} %}
with

persons as (
    select * from {{ ref('dim_persons') }}
),

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

-- multi-value tags: one text per person and tag, the values in rank order (concat_ws skips missing ranks)
joined_values as (
    select
        person_id,
        tag_code,
        nullif(
            concat_ws(
                ',',
                {%- for rank in range(1, max_ranks | max + 1) %}
                    max(case when value_rank = {{ rank }} then tag_value end){{ ',' if not loop.last }}
                {%- endfor %}
            ),
            ''
        ) as tag_value,
        cast(null as double) as tag_number
    from person_tags
    where value_type = 'multi_value'
    group by person_id, tag_code
),

person_values as (
    select
        person_id,
        tag_code,
        tag_value,
        tag_number
    from person_tags
    where value_type <> 'multi_value'

    union all

    select
        person_id,
        tag_code,
        tag_value,
        tag_number
    from joined_values
),

pivoted as (
    select
        {% for tag in tags -%}
            {{ column_sql[tag.value_type] | replace('@', tag.tag_code) }} as {{ tag.tag_code }},
        {% endfor -%}
        person_id
    from person_values
    group by person_id
),

final as (
    select
        persons.person_id,
        {{ as_of_date() }} as as_of_date,
        {% for tag in tags[:-1] -%}
            pivoted.{{ tag.tag_code }},
        {% endfor -%}
        pivoted.{{ tags[-1].tag_code }}
    from persons
    left join pivoted
        on persons.person_id = pivoted.person_id
)

select * from final
