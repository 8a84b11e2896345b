{#- A list (array) value of the given SQL expressions, in order: DuckDB list_value(...), Spark array(...). -#}
{% macro list_of(expressions) -%}
    {{ return(adapter.dispatch('list_of')(expressions)) }}
{%- endmacro %}

{% macro default__list_of(expressions) -%}
    array({{ expressions | join(', ') }})
{%- endmacro %}

{% macro duckdb__list_of(expressions) -%}
    list_value({{ expressions | join(', ') }})
{%- endmacro %}
