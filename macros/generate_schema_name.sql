{#- Schemas are the layer names (raw, seeds, staging, intermediate, marts), not <target>_<layer>:
    BI tools query marts.dim_persons whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
