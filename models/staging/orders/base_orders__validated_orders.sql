{#- Every raw order row, typed, with the one reason it is rejected (null for clean rows).
    stg_orders__orders and stg_orders__quarantined_orders split this table; nothing else reads it. -#}

{%- set order_fields = {
    'order_id': 'text', 'ordered_at': 'text', 'channel': 'text', 'store_id': 'text', 'user_id': 'text',
    'member_id': 'text', 'phone': 'text', 'status': 'text', 'currency': 'text', 'total_amount': 'text',
    'discount_amount': 'text', 'coupon_code': 'text', 'payment_method': 'text'
} -%}
{#- A refund or cancellation arrives later as a new row of the same order: the latest file version wins. -#}
{%- set latest_first = latest_file_version_first() -%}

with

raw_orders as (
    select * from {{ source('orders', 'orders') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', order_fields) }} end as record
    from raw_orders
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.order_id') }} as order_id,
        nullif(trim(record.ordered_at), '') as raw_ordered_at,
        {{ parse_timestamp_utc('record.ordered_at') }} as ordered_at,
        lower({{ clean_text('record.channel') }}) as channel,
        {{ clean_text('record.store_id') }} as store_id,
        {{ clean_text('record.user_id') }} as user_id,
        {{ clean_text('record.member_id') }} as member_id,
        record.phone,
        {{ normalize_phone('record.phone') }} as normalized_phone,
        {{ is_unusable_value('record.phone', normalize_phone('record.phone')) }}
            as has_invalid_phone,
        lower({{ clean_text('record.status') }}) as status,
        upper({{ clean_text('record.currency') }}) as currency,
        nullif(trim(record.total_amount), '') as raw_total_amount,
        {{ parse_number('record.total_amount') }} as total_amount,
        nullif(trim(record.discount_amount), '') as raw_discount_amount,
        {{ parse_number('record.discount_amount') }} as discount_amount,
        {{ clean_text('record.coupon_code') }} as coupon_code,
        lower({{ clean_text('record.payment_method') }}) as payment_method
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("order_id is null or raw_ordered_at is null or status is null or raw_total_amount is null",
                'missing_required'),
            ("ordered_at is null", 'bad_timestamp'),
            ("ordered_at > " ~ dbt.dateadd('minute', var('max_clock_skew_minutes'), '_loaded_at'), 'future_timestamp'),
            ("total_amount is null or (raw_discount_amount is not null and discount_amount is null)", 'type_mismatch'),
            ("total_amount < 0 or discount_amount < 0
              or total_amount > " ~ var('max_amount') ~ " or discount_amount > " ~ var('max_amount'), 'invalid_amount'),
            ("status not in ('paid', 'refunded', 'cancelled')
              or channel not in ('web', 'app', 'mini_program', 'store')", 'invalid_value'),
        ]) }} as failing_check
    from typed
),

versioned as (
    select
        *,
        {{ mark_duplicates('order_id, failing_check is null', latest_first) }} as is_superseded,
        first_value(_raw_row_id) over (partition by order_id, failing_check is null order by {{ latest_first }})
            as latest_raw_row_id,
        first_value(payload) over (partition by order_id, failing_check is null order by {{ latest_first }})
            as latest_payload
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        order_id,
        ordered_at,
        channel,
        store_id,
        user_id,
        member_id,
        phone,
        normalized_phone,
        has_invalid_phone,
        status,
        currency,
        total_amount,
        discount_amount,
        coupon_code,
        payment_method,
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
                        case when raw_ordered_at is null then 'ordered_at' end,
                        case when status is null then 'status' end,
                        case when raw_total_amount is null then 'total_amount' end
                    )
            when failing_check = 'bad_timestamp'
                then 'ordered_at ''' || raw_ordered_at || ''' is not a timestamp'
            when failing_check = 'future_timestamp'
                then 'ordered_at later than the load time by more than {{ var("max_clock_skew_minutes") }} minutes'
            when failing_check = 'type_mismatch'
                then concat_ws(
                        '; ',
                        case when total_amount is null then 'total_amount ''' || raw_total_amount || ''' is not a number' end,
                        case
                            when raw_discount_amount is not null and discount_amount is null
                                then 'discount_amount ''' || raw_discount_amount || ''' is not a number'
                        end
                    )
            when failing_check = 'invalid_amount'
                then concat_ws(
                        '; ',
                        case when total_amount < 0 then 'total_amount ' || raw_total_amount || ' is negative' end,
                        case when discount_amount < 0 then 'discount_amount ' || raw_discount_amount || ' is negative' end,
                        case
                            when total_amount > {{ var('max_amount') }}
                                then 'total_amount ' || raw_total_amount || ' is above max_amount'
                        end,
                        case
                            when discount_amount > {{ var('max_amount') }}
                                then 'discount_amount ' || raw_discount_amount || ' is above max_amount'
                        end
                    )
            when failing_check = 'invalid_value'
                then concat_ws(
                        '; ',
                        case
                            when status not in ('paid', 'refunded', 'cancelled')
                                then 'status ''' || status || ''' is not paid, refunded or cancelled'
                        end,
                        case
                            when channel not in ('web', 'app', 'mini_program', 'store')
                                then 'channel ''' || channel || ''' is not web, app, mini_program or store'
                        end
                    )
            when is_superseded and payload = latest_payload
                then 'exact re-export of order ' || order_id || ' (kept ' || latest_raw_row_id || ')'
            when is_superseded
                then 'older version of order ' || order_id || ' (superseded by ' || latest_raw_row_id || ')'
        end as reason_detail
    from versioned
)

select * from final
