with

model_fits as (
    select * from {{ source('clv', 'model_fits') }}
),

final as (
    select
        cast(reference_date as date) as reference_date,
        cast(is_backtest as boolean) as is_backtest,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(parameter as {{ dbt.type_string() }}) as parameter,
        cast(estimate as double) as estimate,
        cast(standard_error as double) as standard_error,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(log_likelihood as double) as log_likelihood,
        cast(converged as boolean) as converged,
        cast(iterations as {{ dbt.type_bigint() }}) as iterations,
        cast(message as {{ dbt.type_string() }}) as message,
        cast(time_unit_days as {{ dbt.type_bigint() }}) as time_unit_days,
        cast(frequency_monetary_correlation as double) as frequency_monetary_correlation,
        cast(fitted_at as {{ dbt.type_timestamp() }}) as fitted_at
    from model_fits
)

select * from final
