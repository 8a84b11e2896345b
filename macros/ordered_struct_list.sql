{#- Aggregate: the group's rows as a list of structs (fields: ordered (name, expression) pairs), sorted by
    the fields in the order given, so put the sort keys first and make them unique (e.g. event_at, event_id).
    DuckDB list(... order by ...); Spark sorts the collected array (array_sort compares structs field by field). -#}
{% macro ordered_struct_list(fields) -%}
    {{ return(adapter.dispatch('ordered_struct_list')(fields)) }}
{%- endmacro %}

{% macro default__ordered_struct_list(fields) -%}
    array_sort(collect_list({{ struct_of(fields) }}))
{%- endmacro %}

{% macro duckdb__ordered_struct_list(fields) -%}
    list(
        {{ struct_of(fields) }}
        order by {% for name, expression in fields %}{{ expression }}{% if not loop.last %}, {% endif %}{% endfor %}
    )
{%- endmacro %}
