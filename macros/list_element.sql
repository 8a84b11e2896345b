{#- Element `position` (1-based) of a list; null when the list is shorter: DuckDB list_extract, Spark
    try_element_at (element_at fails out of range under ANSI mode). -#}
{% macro list_element(list_expression, position) -%}
    {{ return(adapter.dispatch('list_element')(list_expression, position)) }}
{%- endmacro %}

{% macro default__list_element(list_expression, position) -%}
    try_element_at({{ list_expression }}, {{ position }})
{%- endmacro %}

{% macro duckdb__list_element(list_expression, position) -%}
    list_extract({{ list_expression }}, {{ position }})
{%- endmacro %}
