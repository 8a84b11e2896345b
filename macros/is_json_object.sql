{#- True when the text parses as a JSON object; false (never an error) for malformed text, arrays and scalars. -#}
{% macro is_json_object(expression) -%}
    {{ return(adapter.dispatch('is_json_object')(expression)) }}
{%- endmacro %}

{% macro default__is_json_object(expression) -%}
    coalesce(ltrim({{ expression }}) like '{{ "{" }}%' and from_json({{ expression }}, 'map<string,string>') is not null, false)
{%- endmacro %}

{% macro duckdb__is_json_object(expression) -%}
    coalesce(case when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT' end, false)
{%- endmacro %}
