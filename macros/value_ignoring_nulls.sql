{#- A navigation window function (first_value, last_value) that skips nulls; follow it with `over (...)`.
    DuckDB takes IGNORE NULLS inside the parentheses, Spark and the SQL standard after them. -#}
{% macro value_ignoring_nulls(function_name, expression) -%}
    {{ return(adapter.dispatch('value_ignoring_nulls')(function_name, expression)) }}
{%- endmacro %}

{% macro default__value_ignoring_nulls(function_name, expression) -%}
    {{ function_name }}({{ expression }}) ignore nulls
{%- endmacro %}

{% macro duckdb__value_ignoring_nulls(function_name, expression) -%}
    {{ function_name }}({{ expression }} ignore nulls)
{%- endmacro %}
