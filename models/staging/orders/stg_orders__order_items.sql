with

validated_order_items as (
    select * from {{ ref('base_orders__validated_order_items') }}
),

clean_order_items as (
    select * from validated_order_items
    where reason_code is null
),

final as (
    select
        order_id,
        line_number,
        sku,
        quantity,
        unit_price,
        quantity * unit_price as line_amount,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_order_items
)

select * from final
