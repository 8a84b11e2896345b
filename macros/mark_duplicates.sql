{#- True for every row but the first of its key among rows that passed validation. `order_by` says which
    copy is kept (the first); ties are broken by file and row so re-runs keep the same copy. -#}
{% macro mark_duplicates(key, order_by) -%}
    (
        row_number() over (
            partition by {{ key }}
            order by {{ order_by }}, _file_date, _file_path, _row_number
        ) > 1
    )
{%- endmacro %}
