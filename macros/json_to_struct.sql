{#- Parse a JSON object text once into a struct. `fields` is a dict: name -> 'text' | 'json' | nested dict.
    Leaves are returned as text ('json' leaves keep the JSON text of objects); missing keys give null;
    unknown keys are ignored (the raw payload keeps them). Call only on rows where is_json_object() holds. -#}
{% macro json_to_struct(expression, fields) -%}
    {{ return(adapter.dispatch('json_to_struct')(expression, fields)) }}
{%- endmacro %}

{% macro duckdb__json_to_struct(expression, fields) -%}
    json_transform({{ expression }}, '{{ _duckdb_json_structure(fields) | tojson }}')
{%- endmacro %}

{% macro _duckdb_json_structure(fields) -%}
    {%- set structure = {} -%}
    {%- for name, kind in fields.items() -%}
        {%- if kind is mapping -%}
            {%- do structure.update({name: _duckdb_json_structure(kind)}) -%}
        {%- elif kind == 'json' -%}
            {%- do structure.update({name: 'JSON'}) -%}
        {%- else -%}
            {%- do structure.update({name: 'VARCHAR'}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(structure) -}}
{%- endmacro %}

{% macro default__json_to_struct(expression, fields) -%}
    from_json({{ expression }}, '{{ _spark_json_schema(fields) }}')
{%- endmacro %}

{% macro _spark_json_schema(fields) -%}
    {%- set parts = [] -%}
    {%- for name, kind in fields.items() -%}
        {%- if kind is mapping -%}
            {%- do parts.append('`' ~ name ~ '` struct<' ~ _spark_json_schema(kind) ~ '>') -%}
        {%- else -%}
            {%- do parts.append('`' ~ name ~ '` string') -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(parts | join(', ')) -}}
{%- endmacro %}
