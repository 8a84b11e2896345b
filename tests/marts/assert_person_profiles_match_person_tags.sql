-- A failure means the wide profile (dim_person_profiles, what BI reads) and the long tags (fct_person_tags)
-- disagree: a person's tag value is in one and not the other, or differs. Each row returned is one
-- (person, tag, value) found on one side only. The wide side is unpivoted tag by tag from the catalog; the
-- long side joins multi-value tags with listagg (not the pivot's own method), so the two are independent.
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

only_wide as (
    select * from wide_values
    except
    select * from long_values
),

only_long as (
    select * from long_values
    except
    select * from wide_values
),

final as (
    select
        'only in dim_person_profiles' as side,
        *
    from only_wide

    union all

    select
        'only in fct_person_tags' as side,
        *
    from only_long
)

select * from final
