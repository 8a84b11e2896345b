{#- Text aggregate of `expression` in ascending order joined by `delimiter_text` (a SQL literal, e.g. "','").
    dbt.listagg ignores its order_by_clause on Spark, so Spark sorts the collected array instead. -#}
{% macro listagg_sorted(expression, delimiter_text="','") -%}
    {{ return(adapter.dispatch('listagg_sorted')(expression, delimiter_text)) }}
{%- endmacro %}

{% macro default__listagg_sorted(expression, delimiter_text) -%}
    {{ dbt.listagg(expression, delimiter_text, 'order by ' ~ expression) }}
{%- endmacro %}

{% macro spark__listagg_sorted(expression, delimiter_text) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter_text }})
{%- endmacro %}
