{#- The quarantine model of a source: every rejected row of a validated base model with its raw payload,
    its lineage and the reason it was rejected. One quarantine model per raw source. -#}
{% macro quarantined_rows(validated_relation, source_name) -%}
    select
        _raw_row_id,
        '{{ source_name }}' as source_name,
        _load_id,
        _loaded_at,
        _file_path,
        _file_date,
        _row_number,
        reason_code,
        reason_detail,
        payload as raw_payload
    from {{ validated_relation }}
    where reason_code is not null
{%- endmacro %}
