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

orders_to_date as (
    select * from orders
    where ordered_date <= {{ as_of_date() }}
),

order_categories as (
    select
        order_id,
        category,
        -- 1 = the category with the largest line amount; ties go to the category name first in order.
        row_number() over (partition by order_id order by {{ sum_money('line_amount') }} desc, category) as category_rank
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
    from orders_to_date
    where is_paid and person_id is not null
),

final as (
    select
        orders_to_date.order_id,
        orders_to_date.person_id,
        orders_to_date.attribution_rule,
        orders_to_date.ordered_at,
        orders_to_date.ordered_date,
        orders_to_date.channel,
        orders_to_date.store_id,
        orders_to_date.status,
        orders_to_date.is_paid as is_value_order,
        orders_to_date.is_refunded,
        orders_to_date.is_cancelled,
        orders_to_date.currency,
        cast(orders_to_date.gross_amount as double) as gross_amount,
        cast(orders_to_date.discount_amount as double) as discount_amount,
        cast(orders_to_date.total_amount as double) as net_amount,
        cast(case when orders_to_date.is_paid then orders_to_date.total_amount else 0 end as double) as revenue_amount,
        orders_to_date.coupon_code is not null as has_coupon,
        orders_to_date.coupon_code,
        orders_to_date.payment_method,
        cast(coalesce(order_lines.count_lines, 0) as {{ dbt.type_bigint() }}) as count_lines,
        cast(coalesce(order_lines.count_items, 0) as {{ dbt.type_bigint() }}) as count_items,
        cast(coalesce(order_category_lists.count_item_categories, 0) as {{ dbt.type_bigint() }})
            as count_item_categories,
        order_category_lists.item_categories,
        order_category_lists.primary_category,
        cast(value_orders_numbered.person_value_order_number as {{ dbt.type_bigint() }})
            as person_value_order_number
    from orders_to_date
    left join order_lines
        on orders_to_date.order_id = order_lines.order_id
    left join order_category_lists
        on orders_to_date.order_id = order_category_lists.order_id
    left join value_orders_numbered
        on orders_to_date.order_id = value_orders_numbered.order_id
)

select * from final
