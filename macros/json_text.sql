{#- The text of one top-level key of a JSON object (numbers as written, objects as JSON text); null if absent. -#}
{% macro json_text(expression, key) -%}
    {{ return(adapter.dispatch('json_text')(expression, key)) }}
{%- endmacro %}

{% macro default__json_text(expression, key) -%}
    get_json_object({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(expression, key) -%}
    json_extract_string({{ expression }}, '$."{{ key }}"')
{%- endmacro %}
