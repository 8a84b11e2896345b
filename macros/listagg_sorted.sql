{#- Text aggregate of `expression` joined by `delimiter_text` (a SQL literal, e.g. "','"), in ascending order
    of `sort_expression` (default: the expression itself). dbt.listagg ignores its order_by_clause on Spark,
    so Spark sorts the collected array instead (of (sort key, value) structs when the key is another column). -#}
{% macro listagg_sorted(expression, delimiter_text="','", sort_expression=none) -%}
    {{ return(adapter.dispatch('listagg_sorted')(expression, delimiter_text, sort_expression)) }}
{%- endmacro %}

{% macro default__listagg_sorted(expression, delimiter_text, sort_expression) -%}
    {{ dbt.listagg(expression, delimiter_text, 'order by ' ~ (sort_expression or expression)) }}
{%- endmacro %}

{% macro spark__listagg_sorted(expression, delimiter_text, sort_expression) -%}
    {%- if sort_expression -%}
        array_join(
            transform(
                array_sort(collect_list(named_struct('sort_key', {{ sort_expression }}, 'value', {{ expression }}))),
                sorted -> sorted.value
            ),
            {{ delimiter_text }}
        )
    {%- else -%}
        array_join(array_sort(collect_list({{ expression }})), {{ delimiter_text }})
    {%- endif -%}
{%- endmacro %}
