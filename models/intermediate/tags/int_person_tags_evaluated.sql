{#- One row per person, tag and value: every tag of the catalog (macros/tag_catalog.sql) evaluated with
    tag_rule_sql; null values are left out. Rule tags (expression, tiers) are computed in one pass over
    int_person_features - one column per tag - and then turned into rows with a cross join on the tag list;
    multi-value tags take the top max_values rows of their list in int_person_feature_lists (one join; the
    condition tag_rule_sql gives for a list tag). tag_value is text (booleans 'true'/'false'), tag_number the
    value of number tags, value_rank 1 unless multi_value. -#}
{%- set rule_tags = [] %}
{%- set list_tags = [] %}
{%- for tag in tag_catalog() %}
    {%- set rule = tag_rule_sql(tag) %}
    {%- if tag.value_type == 'multi_value' %}
        {%- do list_tags.append({'tag_code': tag.tag_code, 'list_name': tag.list, 'max_values': tag.max_values}) %}
    {%- else %}
        {%- set column = 'rule_results.tag_' ~ (rule_tags | length + 1) %}
        {%- do rule_tags.append({
            'tag_position': rule_tags | length + 1,
            'tag_code': tag.tag_code,
            'value_type': tag.value_type,
            'rule': rule,
            'text': "case when " ~ column ~ " then 'true' when not " ~ column ~ " then 'false' end"
                if tag.value_type == 'boolean' else 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')',
            'number': 'cast(' ~ column ~ ' as double)',
        }) %}
    {%- endif %}
{%- endfor %}
{%- set number_tags = rule_tags | selectattr('value_type', 'equalto', 'number') | list %}
with

person_features as (
    select * from {{ ref('int_person_features') }}
),

-- the k-means step reads int_person_features, so its cluster comes in here, not there (no cycle)
person_clusters as (
    select * from {{ ref('stg_clustering__person_clusters') }}
),

features as (
    select
        person_features.*,
        person_clusters.cluster_key
    from person_features
    left join person_clusters
        on person_features.person_id = person_clusters.person_id
),

feature_lists as (
    select * from {{ ref('int_person_feature_lists') }}
),

rule_tag_positions as (
    {{ literal_rows(rule_tags, [['tag_position', 'bigint'], ['tag_code', 'string']]) }}
),

list_tag_limits as (
    {{ literal_rows(list_tags, [['tag_code', 'string'], ['list_name', 'string'], ['max_values', 'bigint']]) }}
),

-- one column per rule tag, in its natural type
rule_results as (
    select
        {% for tag in rule_tags -%}
            {{ tag.rule | indent(12) }} as tag_{{ tag.tag_position }},
        {% endfor -%}
        person_id
    from features
),

rule_tag_rows as (
    select
        rule_results.person_id,
        rule_tag_positions.tag_code,
        {% if rule_tags -%}
            case rule_tag_positions.tag_position
                {%- for tag in rule_tags %}
                    when {{ tag.tag_position }} then {{ tag.text }}
                {%- endfor %}
            end as tag_value,
        {% else -%}
            cast(null as {{ dbt.type_string() }}) as tag_value,
        {% endif -%}
        {% if number_tags -%}
            case rule_tag_positions.tag_position
                {%- for tag in number_tags %}
                    when {{ tag.tag_position }} then {{ tag.number }}
                {%- endfor %}
            end as tag_number,
        {% else -%}
            cast(null as double) as tag_number,
        {% endif -%}
        cast(1 as {{ dbt.type_bigint() }}) as value_rank
    from rule_results
    cross join rule_tag_positions
),

list_tag_rows as (
    select
        feature_lists.person_id,
        list_tag_limits.tag_code,
        feature_lists.list_value as tag_value,
        cast(null as double) as tag_number,
        feature_lists.value_rank
    from feature_lists
    inner join list_tag_limits
        on
            feature_lists.list_name = list_tag_limits.list_name
            and feature_lists.value_rank <= list_tag_limits.max_values
),

final as (
    select
        person_id,
        tag_code,
        tag_value,
        tag_number,
        value_rank
    from rule_tag_rows
    where tag_value is not null

    union all

    select
        person_id,
        tag_code,
        tag_value,
        tag_number,
        value_rank
    from list_tag_rows
    where tag_value is not null
)

select * from final
