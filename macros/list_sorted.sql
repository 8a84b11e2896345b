{#- A list sorted ascending with null elements last: DuckDB list_sort(..., 'ASC', 'NULLS LAST'), Spark
    array_sort (nulls last). Structs sort by their fields in order. -#}
{% macro list_sorted(list_expression) -%}
    {{ return(adapter.dispatch('list_sorted')(list_expression)) }}
{%- endmacro %}

{% macro default__list_sorted(list_expression) -%}
    array_sort({{ list_expression }})
{%- endmacro %}

{% macro duckdb__list_sorted(list_expression) -%}
    list_sort({{ list_expression }}, 'ASC', 'NULLS LAST')
{%- endmacro %}
