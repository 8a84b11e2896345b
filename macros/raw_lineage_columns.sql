{#- The columns every raw table carries (see orchestration/raw_files.py), listed once for the base models:
    where a row came from, which load brought it, the reader's parse error and the raw text. -#}
{% macro raw_lineage_columns() -%}
    _raw_row_id,
        _file_path,
        _file_date,
        _row_number,
        _load_id,
        _loaded_at,
        _parse_error,
        payload
{%- endmacro %}
