{#- Pre-hook of an incremental model that stores inputs_fingerprint per key (e.g. funnel and person): deletes
    the stored rows whose key is not in `current_inputs` (a select of the key columns and inputs_fingerprint
    as they are now) with the same fingerprint - gone, or computed from other inputs or rules. The model's
    select then writes the current keys that have no row with their fingerprint, so the table equals a full
    rebuild. Runs in the same transaction as the insert (DuckDB). A table written before the model stored
    inputs_fingerprint is emptied (everything is recomputed). Nothing on a full build. -#}
{% macro delete_rows_of_changed_inputs(current_inputs, key_columns) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as stored_rows
        {%- if relation_has_column(this, 'inputs_fingerprint') %}
        where not exists (
            select 1
            from ({{ current_inputs }}) as current_inputs
            where
                {%- for key_column in key_columns %}
                current_inputs.{{ key_column }} = stored_rows.{{ key_column }} and
                {%- endfor %}
                current_inputs.inputs_fingerprint = stored_rows.inputs_fingerprint
        )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
