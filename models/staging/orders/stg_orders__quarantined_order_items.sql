with

validated_order_items as (
    select * from {{ ref('base_orders__validated_order_items') }}
),

final as (
    {{ quarantined_rows('validated_order_items', 'order_items') }}
)

select * from final
