{#- A hook that only makes sense on a table updated in place (a delete after a merge): the statement when
    the model is incremental (incremental_materialization), else an empty hook - a table built from
    scratch has nothing to clean up, and Parquet tables on Spark cannot delete rows. -#}
{% macro if_incremental(statement) -%}
    {%- if model.config.materialized == 'incremental' -%}
        {{ statement }}
    {%- endif -%}
{%- endmacro %}
