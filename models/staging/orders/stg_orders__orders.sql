with

validated_orders as (
    select * from {{ ref('base_orders__validated_orders') }}
),

clean_orders as (
    select * from validated_orders
    where reason_code is null
),

final as (
    select
        order_id,
        ordered_at,
        {{ to_reporting_date('ordered_at') }} as ordered_date,
        channel,
        store_id,
        user_id,
        member_id,
        {{ hash_pii('normalized_phone') }} as phone_hash,
        has_invalid_phone,
        status,
        status = 'paid' as is_paid,
        status = 'refunded' as is_refunded,
        status = 'cancelled' as is_cancelled,
        coalesce(currency, 'CNY') as currency,
        total_amount,
        coalesce(discount_amount, 0) as discount_amount,
        total_amount + coalesce(discount_amount, 0) as gross_amount,
        coupon_code,
        payment_method,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_orders
)

select * from final
