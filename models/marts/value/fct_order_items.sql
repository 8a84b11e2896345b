{#- One row per order line of every order up to the analysis date, with the order's person, status and value
    rule and the product's category and brand. The order's discount is spread over its lines in proportion
    to their amounts (allocated_net_amount) so category spend adds up to what was paid. -#}
with

order_items as (
    select * from {{ ref('stg_orders__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_attributed') }}
),

products as (
    select * from {{ ref('stg_products__products') }}
),

order_line_totals as (
    select
        order_id,
        {{ sum_money('line_amount') }} as order_line_amount
    from order_items
    group by order_id
),

final as (
    select
        order_items.order_id,
        cast(order_items.line_number as {{ dbt.type_bigint() }}) as line_number,
        orders.person_id,
        orders.ordered_at,
        orders.ordered_date,
        orders.channel,
        orders.store_id,
        orders.status,
        orders.is_paid as is_value_order,
        order_items.sku,
        products.product_name,
        products.category,
        products.subcategory,
        products.brand,
        cast(order_items.quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(order_items.unit_price as double) as unit_price,
        cast(order_items.line_amount as double) as line_amount,
        cast(round(
            case
                when order_line_totals.order_line_amount > 0
                    then order_items.line_amount * orders.total_amount / order_line_totals.order_line_amount
                else 0
            end, 2
        ) as double) as allocated_net_amount
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    inner join order_line_totals
        on order_items.order_id = order_line_totals.order_id
    left join products
        on order_items.sku = products.sku
    where orders.ordered_date <= {{ as_of_date() }}
)

select * from final
