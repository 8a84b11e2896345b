{#- One row per tag of the catalog (macros/tag_catalog.sql): its definition and live statistics from
    fct_person_tags as of the analysis date. Coverage is the share of dim_persons with a value; the top value
    is the value held by the most persons (ties go to the value first in alphabetical order) and its share is
    among the persons with a value. -#}
{%- set catalog_rows = [] %}
{%- for tag in tag_catalog() %}
    {%- do tag_rule_sql(tag) %}
    {%- do catalog_rows.append({
        'catalog_position': loop.index,
        'tag_code': tag.tag_code,
        'tag_name_zh': tag.name_zh,
        'tag_name_en': tag.name_en,
        'category': tag.category,
        'value_type': tag.value_type,
        'rule_kind': 'expression' if 'expression' in tag else ('tiers' if 'tiers' in tag else 'list'),
        'rule_definition': tag_rule_text(tag),
        'owner': tag.owner,
        'refresh_frequency': tag.refresh_frequency,
        'description': tag.description | trim,
        'keep_history': tag.get('keep_history', true),
        'min_coverage': tag.get('min_coverage'),
        'max_changed_share': tag.get('max_changed_share'),
    }) %}
{%- endfor %}
with

persons as (
    select * from {{ ref('dim_persons') }}
),

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

catalog as (
    {{ literal_rows(catalog_rows, [
        ['catalog_position', 'bigint'], ['tag_code', 'string'], ['tag_name_zh', 'string'], ['tag_name_en', 'string'],
        ['category', 'string'], ['value_type', 'string'], ['rule_kind', 'string'], ['rule_definition', 'string'],
        ['owner', 'string'], ['refresh_frequency', 'string'], ['description', 'string'], ['keep_history', 'boolean'],
        ['min_coverage', 'double'], ['max_changed_share', 'double'],
    ]) }}
),

person_totals as (
    select count(*) as count_persons from persons
),

tag_totals as (
    select
        tag_code,
        count(distinct person_id) as count_persons_tagged,
        count(distinct tag_value) as count_distinct_values
    from person_tags
    group by tag_code
),

value_totals as (
    select
        tag_code,
        tag_value,
        count(distinct person_id) as count_persons_top_value
    from person_tags
    group by tag_code, tag_value
),

top_values as (
    select
        tag_code,
        tag_value as top_value,
        count_persons_top_value
    from value_totals
    qualify row_number() over (partition by tag_code order by count_persons_top_value desc, tag_value asc) = 1
),

final as (
    select
        catalog.tag_code,
        catalog.catalog_position,
        catalog.tag_name_zh,
        catalog.tag_name_en,
        catalog.category,
        catalog.value_type,
        catalog.rule_kind,
        catalog.rule_definition,
        catalog.owner,
        catalog.refresh_frequency,
        catalog.description,
        catalog.keep_history,
        catalog.min_coverage,
        catalog.max_changed_share,
        cast(person_totals.count_persons as {{ dbt.type_bigint() }}) as count_persons,
        cast(coalesce(tag_totals.count_persons_tagged, 0) as {{ dbt.type_bigint() }}) as count_persons_tagged,
        cast(
            coalesce(tag_totals.count_persons_tagged, 0) * cast(1 as double) / nullif(person_totals.count_persons, 0) as double
        ) as coverage_share,
        cast(coalesce(tag_totals.count_distinct_values, 0) as {{ dbt.type_bigint() }}) as count_distinct_values,
        top_values.top_value,
        cast(top_values.count_persons_top_value / tag_totals.count_persons_tagged as double) as top_value_share,
        {{ as_of_date() }} as as_of_date
    from catalog
    cross join person_totals
    left join tag_totals
        on catalog.tag_code = tag_totals.tag_code
    left join top_values
        on catalog.tag_code = top_values.tag_code
)

select * from final
