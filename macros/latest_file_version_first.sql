{#- Order of a source's rows from the latest file version to the oldest: later date= folder, then later file,
    then later row; files without a date folder count as the oldest. Pass to mark_duplicates where a later
    export of the same key replaces an earlier one (orders, order items, products, tickets, touches). -#}
{% macro latest_file_version_first() -%}
    _file_date desc nulls last, _file_path desc, _row_number desc
{%- endmacro %}
