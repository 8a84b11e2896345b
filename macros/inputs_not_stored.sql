{#- The rows of `current_inputs` (a CTE of key columns and inputs_fingerprint, as they are now) that the
    incremental model's stored table does not hold with that fingerprint: the keys its select must write.
    Every row on a full build, and when the stored table has no inputs_fingerprint yet (its pre-hook, macro
    delete_rows_of_changed_inputs, then emptied it). -#}
{% macro inputs_not_stored(current_inputs, key_columns) -%}
    select {{ current_inputs }}.*
    from {{ current_inputs }}
    {%- if is_incremental() and relation_has_column(this, 'inputs_fingerprint') %}
    where not exists (
        select 1
        from {{ this }} as stored_rows
        where
            {%- for key_column in key_columns %}
            stored_rows.{{ key_column }} = {{ current_inputs }}.{{ key_column }} and
            {%- endfor %}
            stored_rows.inputs_fingerprint = {{ current_inputs }}.inputs_fingerprint
    )
    {%- endif %}
{%- endmacro %}
