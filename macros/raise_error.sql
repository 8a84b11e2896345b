{#- A SQL expression that aborts the query with `message` (a SQL string expression) when it is evaluated.
    Put it in a CASE branch of a selected column so the build fails loudly when an invariant breaks
    (DuckDB error(), Spark raise_error()); its type is null, so it fits any CASE. -#}
{% macro raise_error(message) -%}
    {{ return(adapter.dispatch('raise_error')(message)) }}
{%- endmacro %}

{% macro default__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}
