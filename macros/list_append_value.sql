{#- The list `list_expression` with `value_expression` added at its end: DuckDB list_append, Spark concat(list,
    array(value)). -#}
{% macro list_append_value(list_expression, value_expression) -%}
    {{ return(adapter.dispatch('list_append_value')(list_expression, value_expression)) }}
{%- endmacro %}

{% macro default__list_append_value(list_expression, value_expression) -%}
    concat({{ list_expression }}, array({{ value_expression }}))
{%- endmacro %}

{% macro duckdb__list_append_value(list_expression, value_expression) -%}
    list_append({{ list_expression }}, {{ value_expression }})
{%- endmacro %}
