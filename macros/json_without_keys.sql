{#- A JSON object text without the given top-level keys (used to drop raw personal data from traits). -#}
{% macro json_without_keys(expression, keys) -%}
    {{ return(adapter.dispatch('json_without_keys')(expression, keys)) }}
{%- endmacro %}

{% macro duckdb__json_without_keys(expression, keys) -%}
    {%- set patch = {} -%}
    {%- for key in keys -%}{%- do patch.update({key: none}) -%}{%- endfor -%}
    json_merge_patch({{ expression }}, '{{ patch | tojson }}')
{%- endmacro %}

{% macro default__json_without_keys(expression, keys) -%}
    to_json(map_filter(from_json({{ expression }}, 'map<string,string>'), (k, v) -> k not in ('{{ keys | join("', '") }}')))
{%- endmacro %}
