{#- Aggregate: the exact median of a numeric expression (the mean of the two middle values for an even count;
    nulls ignored). DuckDB median(), Spark percentile(x, 0.5). -#}
{% macro median_of(expression) -%}
    {{ return(adapter.dispatch('median_of')(expression)) }}
{%- endmacro %}

{% macro default__median_of(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{% macro duckdb__median_of(expression) -%}
    median({{ expression }})
{%- endmacro %}
