{#- Every raw order line row, typed, with the one reason it is rejected (null for clean rows).
    stg_orders__order_items and stg_orders__quarantined_order_items split this table; nothing else reads it. -#}

{%- set item_fields = {
    'order_id': 'text', 'line_number': 'text', 'sku': 'text', 'quantity': 'text', 'unit_price': 'text'
} -%}
{#- Lines are exported again with their order: the latest file version of a line wins. -#}
{%- set latest_first = latest_file_version_first() -%}

with

raw_order_items as (
    select * from {{ source('orders', 'order_items') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', item_fields) }} end as record
    from raw_order_items
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.order_id') }} as order_id,
        nullif(trim(record.line_number), '') as raw_line_number,
        {{ parse_integer('record.line_number') }} as line_number,
        {{ clean_text('record.sku') }} as sku,
        nullif(trim(record.quantity), '') as raw_quantity,
        {{ parse_integer('record.quantity') }} as quantity,
        nullif(trim(record.unit_price), '') as raw_unit_price,
        {{ parse_number('record.unit_price') }} as unit_price
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("order_id is null or raw_line_number is null or sku is null or raw_quantity is null
              or raw_unit_price is null", 'missing_required'),
            ("line_number is null or quantity is null or unit_price is null", 'type_mismatch'),
            ("quantity <= 0 or unit_price < 0 or quantity * unit_price > " ~ var('max_amount'), 'invalid_amount'),
        ]) }} as failing_check
    from typed
),

versioned as (
    select
        *,
        {{ mark_duplicates('order_id, line_number, failing_check is null', latest_first) }} as is_superseded,
        first_value(_raw_row_id) over (
            partition by order_id, line_number, failing_check is null order by {{ latest_first }}
        ) as latest_raw_row_id,
        first_value(payload) over (
            partition by order_id, line_number, failing_check is null order by {{ latest_first }}
        ) as latest_payload
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        order_id,
        line_number,
        sku,
        quantity,
        unit_price,
        case
            when failing_check is not null then failing_check
            when is_superseded then 'duplicate'
        end as reason_code,
        case
            when failing_check = 'malformed_record' or _parse_error is not null
                then coalesce(_parse_error, 'not a JSON object')
            when failing_check = 'missing_required'
                then 'missing ' || concat_ws(
                        ', ',
                        case when order_id is null then 'order_id' end,
                        case when raw_line_number is null then 'line_number' end,
                        case when sku is null then 'sku' end,
                        case when raw_quantity is null then 'quantity' end,
                        case when raw_unit_price is null then 'unit_price' end
                    )
            when failing_check = 'type_mismatch'
                then concat_ws(
                        '; ',
                        case when line_number is null then 'line_number ''' || raw_line_number || ''' is not a whole number' end,
                        case when quantity is null then 'quantity ''' || raw_quantity || ''' is not a whole number' end,
                        case when unit_price is null then 'unit_price ''' || raw_unit_price || ''' is not a number' end
                    )
            when failing_check = 'invalid_amount'
                then concat_ws(
                        '; ',
                        case when quantity <= 0 then 'quantity ' || raw_quantity || ' is not positive' end,
                        case when unit_price < 0 then 'unit_price ' || raw_unit_price || ' is negative' end,
                        case
                            when quantity * unit_price > {{ var('max_amount') }}
                                then 'line amount ' || raw_quantity || ' x ' || raw_unit_price || ' is above max_amount'
                        end
                    )
            when is_superseded and payload = latest_payload
                then 'exact re-export of line ' || order_id || '/' || cast(line_number as {{ dbt.type_string() }})
                    || ' (kept ' || latest_raw_row_id || ')'
            when is_superseded
                then 'older version of line ' || order_id || '/' || cast(line_number as {{ dbt.type_string() }})
                    || ' (superseded by ' || latest_raw_row_id || ')'
        end as reason_detail
    from versioned
)

select * from final
