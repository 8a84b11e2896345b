{#- True for every row but the first of its key in the given order. Pass a complete order (end it with
    _file_date, _file_path, _row_number) so re-runs keep the same copy. Put "failing_check is null" in the
    key so rows rejected for another reason never hide a clean copy. -#}
{% macro mark_duplicates(key, order_by) -%}
    (row_number() over (partition by {{ key }} order by {{ order_by }}) > 1)
{%- endmacro %}
