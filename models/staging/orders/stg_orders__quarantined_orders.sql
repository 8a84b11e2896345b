with

validated_orders as (
    select * from {{ ref('base_orders__validated_orders') }}
),

final as (
    {{ quarantined_rows('validated_orders', 'orders') }}
)

select * from final
