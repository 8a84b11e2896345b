{#- One row per buyer (a person with at least one value order up to the analysis date): totals, the
    buy-till-you-die summary, RFM scores and segment, value tier, and historical and predicted value.
    Scores are quintiles by rank: score = 1 + floor(5 x (rank - 1) / persons), rank ascending from the
    worst value (longest since the last purchase, fewest orders, least revenue, least predicted value)
    with ties sharing the lowest rank, so equal values always get equal scores. -#}
{%- set tiers = var('value_tiers') %}
{%- set days_since_last_order = dbt.datediff('person_orders.last_order_date', as_of_date(), 'day') %}
with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

purchase_histories as (
    select * from {{ ref('int_person_purchase_histories') }}
),

person_predictions as (
    select * from {{ ref('stg_clv__person_predictions') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

value_orders as (
    select * from orders
    where is_value_order and person_id is not null
),

person_orders as (
    select
        person_id,
        count(*) as count_orders,
        {{ sum_money('revenue_amount') }} as revenue,
        min(ordered_date) as first_order_date,
        max(ordered_date) as last_order_date,
        count(distinct ordered_date) as count_purchase_days,
        avg(case when has_coupon then cast(1 as double) else cast(0 as double) end) as coupon_order_share
    from value_orders
    group by person_id
),

person_other_orders as (
    select
        person_id,
        sum(case when is_refunded then 1 else 0 end) as count_refunded_orders,
        sum(case when is_cancelled then 1 else 0 end) as count_cancelled_orders
    from orders
    where person_id is not null and not is_value_order
    group by person_id
),

-- Favourites: the most (spend for categories, orders otherwise); ties go to the name first in order.
category_ranks as (
    select
        person_id,
        category,
        row_number() over (
            partition by person_id order by {{ sum_money('allocated_net_amount') }} desc, category
        ) as favourite_rank
    from order_items
    where is_value_order and person_id is not null and category is not null
    group by person_id, category
),

payment_method_ranks as (
    select
        person_id,
        payment_method,
        row_number() over (partition by person_id order by count(*) desc, payment_method) as favourite_rank
    from value_orders
    where payment_method is not null
    group by person_id, payment_method
),

channel_ranks as (
    select
        person_id,
        channel,
        row_number() over (partition by person_id order by count(*) desc, channel) as favourite_rank
    from value_orders
    group by person_id, channel
),

analysis_histories as (
    select * from purchase_histories
    where not is_backtest
),

analysis_predictions as (
    select * from person_predictions
    where not is_backtest
),

person_totals as (
    select
        person_orders.person_id,
        person_orders.count_orders,
        coalesce(person_other_orders.count_refunded_orders, 0) as count_refunded_orders,
        coalesce(person_other_orders.count_cancelled_orders, 0) as count_cancelled_orders,
        person_orders.revenue,
        person_orders.first_order_date,
        person_orders.last_order_date,
        person_orders.count_purchase_days,
        person_orders.coupon_order_share,
        category_ranks.category as favourite_category,
        payment_method_ranks.payment_method as favourite_payment_method,
        channel_ranks.channel as favourite_channel,
        analysis_histories.frequency,
        analysis_histories.recency_days,
        analysis_histories.customer_age_days,
        analysis_histories.avg_repeat_order_value,
        {{ days_since_last_order }} as rfm_recency_days,
        analysis_predictions.probability_alive,
        analysis_predictions.expected_purchases,
        analysis_predictions.expected_average_order_value,
        analysis_predictions.predicted_clv,
        analysis_predictions.bg_nbd_status,
        analysis_predictions.gamma_gamma_status
    from person_orders
    left join person_other_orders
        on person_orders.person_id = person_other_orders.person_id
    left join category_ranks
        on person_orders.person_id = category_ranks.person_id and category_ranks.favourite_rank = 1
    left join payment_method_ranks
        on person_orders.person_id = payment_method_ranks.person_id and payment_method_ranks.favourite_rank = 1
    left join channel_ranks
        on person_orders.person_id = channel_ranks.person_id and channel_ranks.favourite_rank = 1
    left join analysis_histories
        on person_orders.person_id = analysis_histories.person_id
    left join analysis_predictions
        on person_orders.person_id = analysis_predictions.person_id
),

ranked as (
    select
        *,
        count(*) over () as count_persons,
        rank() over (order by rfm_recency_days desc) as recency_rank,
        rank() over (order by count_orders) as frequency_rank,
        rank() over (order by revenue) as monetary_rank
    from person_totals
),

predicted_ranks as (
    select
        person_id,
        count(*) over () as count_predicted_persons,
        rank() over (order by predicted_clv) as predicted_clv_rank
    from person_totals
    where predicted_clv is not null
),

scored as (
    select
        ranked.*,
        cast(1 + floor(5.0 * (ranked.recency_rank - 1) / ranked.count_persons) as {{ dbt.type_bigint() }}) as r_score,
        cast(1 + floor(5.0 * (ranked.frequency_rank - 1) / ranked.count_persons) as {{ dbt.type_bigint() }})
            as f_score,
        cast(1 + floor(5.0 * (ranked.monetary_rank - 1) / ranked.count_persons) as {{ dbt.type_bigint() }})
            as m_score,
        cast(
            1 + floor(5.0 * (predicted_ranks.predicted_clv_rank - 1) / predicted_ranks.count_predicted_persons)
            as {{ dbt.type_bigint() }}
        ) as predicted_clv_score
    from ranked
    left join predicted_ranks
        on ranked.person_id = predicted_ranks.person_id
),

-- fm_score: the mean of f_score and m_score rounded half up.
fm_scored as (
    select
        *,
        cast(floor((f_score + m_score + 1) / 2.0) as {{ dbt.type_bigint() }}) as fm_score
    from scored
),

segmented as (
    select
        fm_scored.person_id,
        rfm_segments.rfm_segment,
        rfm_segments.segment_name,
        rfm_segments.segment_name_zh,
        row_number() over (partition by fm_scored.person_id order by rfm_segments.priority) as segment_rank
    from fm_scored
    inner join rfm_segments
        on fm_scored.r_score between rfm_segments.r_score_min and rfm_segments.r_score_max
            and fm_scored.fm_score between rfm_segments.fm_score_min and rfm_segments.fm_score_max
),

final as (
    select
        fm_scored.person_id,
        {{ as_of_date() }} as as_of_date,
        cast(fm_scored.count_orders as {{ dbt.type_bigint() }}) as count_orders,
        cast(fm_scored.count_refunded_orders as {{ dbt.type_bigint() }}) as count_refunded_orders,
        cast(fm_scored.count_cancelled_orders as {{ dbt.type_bigint() }}) as count_cancelled_orders,
        cast(round(fm_scored.revenue, 2) as double) as revenue,
        -- the quotient to 6 decimals, then to the cent: an exact half cent (1470.30 / 4 = 367.575) rounds up on
        -- DuckDB as on Spark; round() of the double itself would go down on DuckDB (367.574999...) only
        cast(
            round(cast(fm_scored.revenue / fm_scored.count_orders as decimal(18, 6)), 2) as double
        ) as average_order_value,
        fm_scored.first_order_date,
        fm_scored.last_order_date,
        cast(fm_scored.count_purchase_days as {{ dbt.type_bigint() }}) as count_purchase_days,
        fm_scored.favourite_category,
        fm_scored.favourite_payment_method,
        fm_scored.favourite_channel,
        cast(fm_scored.coupon_order_share as double) as coupon_order_share,
        fm_scored.frequency,
        fm_scored.recency_days,
        fm_scored.customer_age_days,
        cast(round(fm_scored.avg_repeat_order_value, 2) as double) as avg_repeat_order_value,
        cast(fm_scored.rfm_recency_days as {{ dbt.type_bigint() }}) as rfm_recency_days,
        cast(fm_scored.count_orders as {{ dbt.type_bigint() }}) as rfm_frequency,
        cast(round(fm_scored.revenue, 2) as double) as rfm_monetary,
        fm_scored.r_score,
        fm_scored.f_score,
        fm_scored.m_score,
        fm_scored.fm_score,
        {{ dbt.concat(["cast(fm_scored.r_score as " ~ dbt.type_string() ~ ")",
                       "cast(fm_scored.f_score as " ~ dbt.type_string() ~ ")",
                       "cast(fm_scored.m_score as " ~ dbt.type_string() ~ ")"]) }} as rfm_score,
        segmented.rfm_segment,
        segmented.segment_name as rfm_segment_name,
        segmented.segment_name_zh as rfm_segment_name_zh,
        case
            {%- for tier in tiers %}
                when {{ tier.rule }} then '{{ tier.tier }}'
            {%- endfor %}
            else '{{ var("value_tier_default") }}'
        end as value_tier,
        cast(round(fm_scored.revenue, 2) as double) as historical_ltv,
        fm_scored.probability_alive,
        fm_scored.expected_purchases,
        cast(round(fm_scored.expected_average_order_value, 2) as double) as expected_average_order_value,
        cast(round(fm_scored.predicted_clv, 2) as double) as predicted_clv,
        fm_scored.predicted_clv_score,
        cast({{ var('clv_horizon_days') }} as {{ dbt.type_bigint() }}) as clv_horizon_days,
        fm_scored.bg_nbd_status as clv_model_status
    from fm_scored
    left join segmented
        on fm_scored.person_id = segmented.person_id and segmented.segment_rank = 1
)

select * from final
