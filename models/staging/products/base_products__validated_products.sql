{#- Every raw product row, typed, with the one reason it is rejected (null for clean rows).
    stg_products__products and stg_products__quarantined_products split this table; nothing else reads it. -#}

{%- set product_fields = {
    'sku': 'text', 'product_name': 'text', 'category': 'text', 'subcategory': 'text', 'brand': 'text',
    'list_price': 'text'
} -%}
{#- A product is exported again when it changes: the latest file version wins. -#}
{%- set latest_first = latest_file_version_first() -%}

with

raw_products as (
    select * from {{ source('products', 'products') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', product_fields) }} end as record
    from raw_products
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.sku') }} as sku,
        nullif(trim(record.product_name), '') as product_name,
        {{ clean_text('record.category') }} as category,
        {{ clean_text('record.subcategory') }} as subcategory,
        {{ clean_text('record.brand') }} as brand,
        nullif(trim(record.list_price), '') as raw_list_price,
        {{ parse_number('record.list_price') }} as list_price
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("sku is null or product_name is null", 'missing_required'),
            ("raw_list_price is not null and list_price is null", 'type_mismatch'),
            ("list_price < 0", 'invalid_amount'),
        ]) }} as failing_check
    from typed
),

versioned as (
    select
        *,
        {{ mark_duplicates('sku, failing_check is null', latest_first) }} as is_superseded,
        first_value(_raw_row_id) over (partition by sku, failing_check is null order by {{ latest_first }})
            as latest_raw_row_id,
        first_value(payload) over (partition by sku, failing_check is null order by {{ latest_first }})
            as latest_payload
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        sku,
        product_name,
        category,
        subcategory,
        brand,
        list_price,
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
                        case when sku is null then 'sku' end,
                        case when product_name is null then 'product_name' end
                    )
            when failing_check = 'type_mismatch'
                then 'list_price ''' || raw_list_price || ''' is not a number'
            when failing_check = 'invalid_amount'
                then 'list_price ' || raw_list_price || ' is negative'
            when is_superseded and payload = latest_payload
                then 'exact re-export of product ' || sku || ' (kept ' || latest_raw_row_id || ')'
            when is_superseded
                then 'older version of product ' || sku || ' (superseded by ' || latest_raw_row_id || ')'
        end as reason_detail
    from versioned
)

select * from final
