{#- One row per person, tag and value as of the analysis date: int_person_tags_evaluated with each tag's
    category and value type from the catalog (macros/tag_catalog.sql). Multi-value tags have one row per
    value (value_rank 1 = strongest). -#}
{%- set catalog_rows = [] %}
{%- for tag in tag_catalog() %}
    {%- do catalog_rows.append({'tag_code': tag.tag_code, 'category': tag.category, 'value_type': tag.value_type}) %}
{%- endfor %}
with

person_tags as (
    select * from {{ ref('int_person_tags_evaluated') }}
),

catalog as (
    {{ literal_rows(catalog_rows, [['tag_code', 'string'], ['category', 'string'], ['value_type', 'string']]) }}
),

final as (
    select
        person_tags.person_id,
        person_tags.tag_code,
        person_tags.tag_value,
        person_tags.tag_number,
        person_tags.value_rank,
        catalog.category,
        catalog.value_type,
        {{ as_of_date() }} as as_of_date
    from person_tags
    inner join catalog
        on person_tags.tag_code = catalog.tag_code
)

select * from final
