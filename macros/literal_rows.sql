{#- A relation of literal rows written out in SQL (select ... union all select ...), for small lists known at
    compile time such as the tag catalog. `rows` is a list of dicts; `columns` a list of [name, type] pairs
    with type one of string, bigint, double, boolean; a missing or none value is a typed null. No rows give an
    empty relation with the same columns. Text is quoted with dbt.escape_single_quotes (engine-specific). -#}
{% macro literal_rows(rows, columns) -%}
    {%- set sql_types = {
        'string': dbt.type_string(),
        'bigint': dbt.type_bigint(),
        'double': 'double',
        'boolean': dbt.type_boolean(),
    } -%}
    {%- for row in (rows if rows else [{}]) -%}
        {%- if not loop.first %}
    union all
        {% endif -%}
        select
        {%- for name, type in columns %}
            {%- set value = row.get(name) %}
            {%- if value is none -%}
                {%- set literal = 'null' -%}
            {%- elif type == 'string' -%}
                {%- set literal = "'" ~ dbt.escape_single_quotes(value | string) ~ "'" -%}
            {%- elif type == 'boolean' -%}
                {%- set literal = 'true' if value else 'false' -%}
            {%- else -%}
                {%- set literal = value | string -%}
            {%- endif %}
            cast({{ literal }} as {{ sql_types[type] }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
        {%- if not rows %}
        where 1 = 0
        {%- endif %}
    {%- endfor -%}
{%- endmacro %}
