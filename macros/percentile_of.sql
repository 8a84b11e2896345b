{#- Aggregate: the exact percentile `fraction` (0-1) of a numeric expression, interpolated linearly between
    the two nearest values (nulls ignored). DuckDB quantile_cont(), Spark percentile(). -#}
{% macro percentile_of(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_of')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_of(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro duckdb__percentile_of(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
