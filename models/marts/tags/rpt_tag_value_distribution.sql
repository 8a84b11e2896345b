{#- One row per tag and value of the enum, boolean and multi-value tags at the analysis date: the persons
    holding the value, their share of the persons with any value of the tag, and the value's rank. -#}
with

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

tag_catalog as (
    select * from {{ ref('dim_tag_catalog') }}
),

value_counts as (
    select
        tag_code,
        tag_value,
        count(distinct person_id) as count_persons
    from person_tags
    where value_type in ('enum', 'boolean', 'multi_value')
    group by tag_code, tag_value
),

final as (
    select
        value_counts.tag_code,
        value_counts.tag_value,
        value_counts.count_persons,
        cast(value_counts.count_persons * cast(1 as double) / tag_catalog.count_persons_tagged as double) as share_of_persons,
        cast(row_number() over (
            partition by value_counts.tag_code
            order by value_counts.count_persons desc, value_counts.tag_value asc
        ) as {{ dbt.type_bigint() }}) as value_rank_in_tag,
        {{ as_of_date() }} as as_of_date
    from value_counts
    inner join tag_catalog
        on value_counts.tag_code = tag_catalog.tag_code
)

select * from final
