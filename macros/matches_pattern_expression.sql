{#- Like matches_pattern, but the regular expression is a SQL expression (e.g. a seed column) instead of a
    literal: true when the text matches it anywhere. -#}
{% macro matches_pattern_expression(expression, pattern_expression) -%}
    {{ return(adapter.dispatch('matches_pattern_expression')(expression, pattern_expression)) }}
{%- endmacro %}

{% macro default__matches_pattern_expression(expression, pattern_expression) -%}
    ({{ expression }} rlike {{ pattern_expression }})
{%- endmacro %}

{% macro duckdb__matches_pattern_expression(expression, pattern_expression) -%}
    regexp_matches({{ expression }}, {{ pattern_expression }})
{%- endmacro %}
