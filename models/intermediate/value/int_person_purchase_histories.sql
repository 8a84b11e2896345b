{#- One row per reference date and person with a purchase day on or before it: the buy-till-you-die summary
    (Fader & Hardie) the customer-value models are fitted on, and what the person bought after it.
    Reference dates: the analysis date (is_backtest false) and the back-test cut-off, var
    clv_backtest_horizon_days (90) days earlier (is_backtest true), whose following days are the hold-out
    the back-test compares predictions with. Days are reporting days; a reference date's own purchases
    count as before it. -#}
{%- set recency_days = dbt.datediff('calibration.first_purchase_date', 'calibration.last_purchase_date', 'day') %}
{%- set customer_age_days = dbt.datediff('calibration.first_purchase_date', 'calibration.reference_date', 'day') %}
with

purchase_days as (
    select * from {{ ref('int_person_purchase_days') }}
),

reference_dates as (
    select
        {{ as_of_date() }} as reference_date,
        false as is_backtest,
        {{ var('clv_horizon_days') }} as prediction_horizon_days
    union all
    select
        cast({{ dbt.dateadd('day', -1 * var('clv_backtest_horizon_days'), as_of_date()) }} as date) as reference_date,
        true as is_backtest,
        {{ var('clv_backtest_horizon_days') }} as prediction_horizon_days
),

calibration_days as (
    select
        reference_dates.reference_date,
        reference_dates.is_backtest,
        reference_dates.prediction_horizon_days,
        purchase_days.person_id,
        purchase_days.purchase_date,
        purchase_days.revenue,
        row_number() over (
            partition by reference_dates.reference_date, purchase_days.person_id
            order by purchase_days.purchase_date
        ) as purchase_day_number
    from reference_dates
    inner join purchase_days
        on reference_dates.reference_date >= purchase_days.purchase_date
),

calibration as (
    select
        reference_date,
        is_backtest,
        prediction_horizon_days,
        person_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as count_purchase_days,
        {{ sum_money('revenue') }} as historical_revenue,
        {{ sum_money('case when purchase_day_number > 1 then revenue end') }} as repeat_revenue
    from calibration_days
    group by reference_date, is_backtest, prediction_horizon_days, person_id
),

holdout as (
    select
        reference_dates.reference_date,
        purchase_days.person_id,
        count(*) as count_holdout_purchase_days,
        {{ sum_money('purchase_days.revenue') }} as holdout_revenue
    from reference_dates
    inner join purchase_days
        on reference_dates.reference_date < purchase_days.purchase_date
            and purchase_days.purchase_date <= {{ as_of_date() }}
            and purchase_days.purchase_date
            <= {{ dbt.dateadd('day', 'reference_dates.prediction_horizon_days', 'reference_dates.reference_date') }}
    where reference_dates.is_backtest
    group by reference_dates.reference_date, purchase_days.person_id
),

final as (
    select
        calibration.reference_date,
        calibration.is_backtest,
        calibration.person_id,
        calibration.first_purchase_date,
        calibration.last_purchase_date,
        cast(calibration.count_purchase_days as {{ dbt.type_bigint() }}) as count_purchase_days,
        cast(calibration.count_purchase_days - 1 as {{ dbt.type_bigint() }}) as frequency,
        cast({{ recency_days }} as {{ dbt.type_bigint() }}) as recency_days,
        cast({{ customer_age_days }} as {{ dbt.type_bigint() }}) as customer_age_days,
        cast(case
            when calibration.count_purchase_days > 1
                then calibration.repeat_revenue / (calibration.count_purchase_days - 1)
            else 0
        end as double) as avg_repeat_order_value,
        cast(calibration.historical_revenue as double) as historical_revenue,
        cast(calibration.prediction_horizon_days as {{ dbt.type_bigint() }}) as prediction_horizon_days,
        cast({{ var('clv_time_unit_days') }} as {{ dbt.type_bigint() }}) as model_time_unit_days,
        cast(coalesce(holdout.count_holdout_purchase_days, 0) as {{ dbt.type_bigint() }})
            as count_holdout_purchase_days,
        cast(coalesce(holdout.holdout_revenue, 0) as double) as holdout_revenue,
        {{ dbt.dateadd('day', 'calibration.prediction_horizon_days', 'calibration.reference_date') }}
        <= {{ as_of_date() }} as is_holdout_complete
    from calibration
    left join holdout
        on calibration.reference_date = holdout.reference_date
            and calibration.person_id = holdout.person_id
)

select * from final
