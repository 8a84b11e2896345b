{#- One row per back-test cut-off and ranking: persons who had bought by the cut-off (the analysis date minus
    var clv_backtest_horizon_days) ranked by predicted customer value (models fitted on data up to the
    cut-off) and, as the baseline, by revenue up to the cut-off; how much of the revenue of the following
    days the top var clv_backtest_top_share of each ranking produced. Ties are broken by person_id. -#}
{%- set top_share = var('clv_backtest_top_share') %}
{%- set top_holdout_revenue =
    'case when rank_position <= ceil(' ~ top_share ~ ' * count_persons) then holdout_revenue else 0 end' %}
with

purchase_histories as (
    select * from {{ ref('int_person_purchase_histories') }}
),

person_predictions as (
    select * from {{ ref('stg_clv__person_predictions') }}
),

backtest_persons as (
    select
        purchase_histories.reference_date as cutoff_date,
        purchase_histories.person_id,
        purchase_histories.historical_revenue,
        purchase_histories.holdout_revenue,
        purchase_histories.count_holdout_purchase_days,
        purchase_histories.is_holdout_complete,
        person_predictions.predicted_clv,
        person_predictions.expected_purchases
    from purchase_histories
    left join person_predictions
        on purchase_histories.reference_date = person_predictions.reference_date
            and purchase_histories.person_id = person_predictions.person_id
    where purchase_histories.is_backtest
),

scores as (
    select
        cutoff_date,
        person_id,
        'predicted_clv' as ranking,
        predicted_clv as score,
        holdout_revenue,
        count_holdout_purchase_days,
        expected_purchases,
        is_holdout_complete
    from backtest_persons
    union all
    select
        cutoff_date,
        person_id,
        'historical_revenue' as ranking,
        historical_revenue as score,
        holdout_revenue,
        count_holdout_purchase_days,
        expected_purchases,
        is_holdout_complete
    from backtest_persons
),

ranked as (
    select
        *,
        row_number() over (
            partition by cutoff_date, ranking
            order by case when score is null then 1 else 0 end, score desc, person_id asc
        ) as rank_position,
        count(*) over (partition by cutoff_date, ranking) as count_persons
    from scores
),

final as (
    select
        cutoff_date,
        ranking,
        cast({{ var('clv_backtest_horizon_days') }} as {{ dbt.type_bigint() }}) as holdout_days,
        cast({{ dbt.dateadd('day', var('clv_backtest_horizon_days'), 'cutoff_date') }} as date) as holdout_end_date,
        {{ dbt.bool_or('is_holdout_complete') }} as is_holdout_complete,
        cast({{ top_share }} as double) as top_share,
        cast(count(*) as {{ dbt.type_bigint() }}) as count_persons,
        cast(sum(case when score is not null then 1 else 0 end) as {{ dbt.type_bigint() }}) as count_scored_persons,
        cast(ceil({{ top_share }} * count(*)) as {{ dbt.type_bigint() }}) as count_top_persons,
        {{ sum_money('holdout_revenue') }} as holdout_revenue,
        {{ sum_money(top_holdout_revenue) }} as top_holdout_revenue,
        cast(
            {{ sum_money(top_holdout_revenue) }} / nullif({{ sum_money('holdout_revenue') }}, 0) as double
        ) as top_revenue_share,
        cast(sum(case when count_holdout_purchase_days > 0 then 1 else 0 end) as {{ dbt.type_bigint() }})
            as count_holdout_buyers,
        cast(sum(count_holdout_purchase_days) as {{ dbt.type_bigint() }}) as holdout_purchase_days,
        cast(sum(expected_purchases) as double) as expected_purchase_days
    from ranked
    group by cutoff_date, ranking
)

select * from final
