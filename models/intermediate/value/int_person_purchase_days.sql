{#- One row per person and reporting day with at least one value order (paid, not refunded or cancelled) up
    to the analysis date. Buy-till-you-die models count a day, not an order, as one transaction: two orders
    on the same day are one purchase whose value is their sum. -#}
with

orders as (
    select * from {{ ref('fct_orders') }}
),

final as (
    select
        person_id,
        ordered_date as purchase_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as count_orders,
        {{ sum_money('revenue_amount') }} as revenue
    from orders
    where is_value_order and person_id is not null
    group by person_id, ordered_date
)

select * from final
