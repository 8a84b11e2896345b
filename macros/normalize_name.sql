{#- Person name -> trimmed, inner runs of whitespace (including the ideographic space U+3000) collapsed to one
    space; empty -> null. -#}
{% macro normalize_name(expression) -%}
    nullif(trim({{ regexp_replace_all(expression, '[[:space:]\\x{3000}]+', ' ') }}), '')
{%- endmacro %}
