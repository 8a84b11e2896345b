{#- A struct value from ordered (field_name, sql_expression) pairs: DuckDB struct_pack(name := value, ...),
    Spark named_struct('name', value, ...). Field order is kept (it is the sort order of a Spark array_sort). -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    named_struct(
        {%- for name, expression in fields %}'{{ name }}', {{ expression }}{% if not loop.last %}, {% endif %}{% endfor -%}
    )
{%- endmacro %}

{% macro duckdb__struct_of(fields) -%}
    struct_pack(
        {%- for name, expression in fields %}{{ name }} := {{ expression }}{% if not loop.last %}, {% endif %}{% endfor -%}
    )
{%- endmacro %}
