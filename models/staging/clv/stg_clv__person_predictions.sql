with

person_predictions as (
    select * from {{ source('clv', 'person_predictions') }}
),

final as (
    select
        cast(reference_date as date) as reference_date,
        cast(is_backtest as boolean) as is_backtest,
        cast(person_id as {{ dbt.type_string() }}) as person_id,
        cast(prediction_horizon_days as {{ dbt.type_bigint() }}) as prediction_horizon_days,
        cast(probability_alive as double) as probability_alive,
        cast(expected_purchases as double) as expected_purchases,
        cast(expected_average_order_value as double) as expected_average_order_value,
        cast(predicted_clv as double) as predicted_clv,
        cast(bg_nbd_status as {{ dbt.type_string() }}) as bg_nbd_status,
        cast(gamma_gamma_status as {{ dbt.type_string() }}) as gamma_gamma_status
    from person_predictions
)

select * from final
