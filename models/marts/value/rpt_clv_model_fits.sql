{#- One row per reference date, model and parameter: the customer-value models' estimates and the fit's
    diagnostics, for the analysis date and the back-test cut-off. -#}
with

model_fits as (
    select * from {{ ref('stg_clv__model_fits') }}
),

final as (
    select
        reference_date,
        is_backtest,
        model,
        parameter,
        estimate,
        standard_error,
        status,
        customers,
        log_likelihood,
        converged,
        iterations,
        message,
        time_unit_days,
        frequency_monetary_correlation,
        fitted_at
    from model_fits
)

select * from final
