{#- A select-list expression that turns one row into one row per part of `text_expression` split on the
    literal one-character `delimiter` (DuckDB unnest(string_split(...)), Spark explode(split(...)); Spark's
    split takes a regular expression, so the delimiter is escaped). A null text gives no row. -#}
{% macro split_to_rows(text_expression, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows')(text_expression, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(text_expression, delimiter) -%}
    explode(split({{ text_expression }}, '\\{{ delimiter }}'))
{%- endmacro %}

{% macro duckdb__split_to_rows(text_expression, delimiter) -%}
    unnest(string_split({{ text_expression }}, '{{ delimiter }}'))
{%- endmacro %}
