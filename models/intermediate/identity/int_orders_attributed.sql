with

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
-- Rows of persons named by an erasure request are dropped.
orders_ruled as (
    {{ attribute_by_identifiers(
        'orders',
        'identifiers_resolved',
        [('user_id', 'user_id'), ('member_id', 'member_id'), ('phone', 'phone_hash')],
        'persons_erased',
    ) }}
),

final as (
    select
        order_id,
        ordered_at,
        ordered_date,
        channel,
        store_id,
        user_id,
        member_id,
        phone_hash,
        has_invalid_phone,
        status,
        is_paid,
        is_refunded,
        is_cancelled,
        currency,
        total_amount,
        discount_amount,
        gross_amount,
        coupon_code,
        payment_method,
        _raw_row_id,
        _load_id,
        _loaded_at,
        person_id,
        attribution_rule
    from orders_ruled
)

select * from final
