{#- One row per order (online and in-store, every status) up to the analysis date. Value rule: only paid
    orders that were not refunded or cancelled (is_value_order) count toward revenue and every value metric;
    revenue_amount is their net amount and 0 for the others, so sum(revenue_amount) is revenue. -#}
with

orders as (
    select * from {{ ref('int_orders_attributed') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

order_categories as (
    select
        order_id,
        category,
        -- 1 = the category with the largest line amount; ties go to the category name first in order.
        row_number() over (partition by order_id order by sum(line_amount) desc, category) as category_rank
    from order_items
    where category is not null
    group by order_id, category
),

order_category_lists as (
    select
        order_id,
        count(*) as count_item_categories,
        {{ listagg_sorted('category', "', '") }} as item_categories,
        max(case when category_rank = 1 then category end) as primary_category
    from order_categories
    group by order_id
),

order_lines as (
    select
        order_id,
        count(*) as count_lines,
        sum(quantity) as count_items
    from order_items
    group by order_id
),

value_orders_numbered as (
    select
        order_id,
        row_number() over (partition by person_id order by ordered_at, order_id) as person_value_order_number
    from orders
    where is_paid and person_id is not null and ordered_date <= {{ as_of_date() }}
),

final as (
    select
        orders.order_id,
        orders.person_id,
        orders.attribution_rule,
        orders.ordered_at,
        orders.ordered_date,
        orders.channel,
        orders.store_id,
        orders.status,
        orders.is_paid as is_value_order,
        orders.is_refunded,
        orders.is_cancelled,
        orders.currency,
        cast(orders.gross_amount as double) as gross_amount,
        cast(orders.discount_amount as double) as discount_amount,
        cast(orders.total_amount as double) as net_amount,
        cast(case when orders.is_paid then orders.total_amount else 0 end as double) as revenue_amount,
        orders.coupon_code is not null as has_coupon,
        orders.coupon_code,
        orders.payment_method,
        cast(coalesce(order_lines.count_lines, 0) as {{ dbt.type_bigint() }}) as count_lines,
        cast(coalesce(order_lines.count_items, 0) as {{ dbt.type_bigint() }}) as count_items,
        cast(coalesce(order_category_lists.count_item_categories, 0) as {{ dbt.type_bigint() }})
            as count_item_categories,
        order_category_lists.item_categories,
        order_category_lists.primary_category,
        cast(value_orders_numbered.person_value_order_number as {{ dbt.type_bigint() }})
            as person_value_order_number
    from orders
    left join order_lines
        on orders.order_id = order_lines.order_id
    left join order_category_lists
        on orders.order_id = order_category_lists.order_id
    left join value_orders_numbered
        on orders.order_id = value_orders_numbered.order_id
    where orders.ordered_date <= {{ as_of_date() }}
)

select * from final
