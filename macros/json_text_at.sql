{#- Like json_text, but the key is a SQL expression (e.g. a column holding a property name). -#}
{% macro json_text_at(expression, key_expression) -%}
    {{ return(adapter.dispatch('json_text_at')(expression, key_expression)) }}
{%- endmacro %}

{% macro default__json_text_at(expression, key_expression) -%}
    get_json_object({{ expression }}, concat('$.', {{ key_expression }}))
{%- endmacro %}

{% macro duckdb__json_text_at(expression, key_expression) -%}
    json_extract_string({{ expression }}, '$."' || {{ key_expression }} || '"')
{%- endmacro %}
