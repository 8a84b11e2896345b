{#- One row per past reference date (every churn_warning_backtest_step_days back from the analysis date)
    whose baseline window and outcome horizon both lie within the data: the churn-warning rule applied as of
    that date (int_persons_churn_scored) against who then churned, over eligible persons. -#}

with

persons_churn_scored as (
    select * from {{ ref('int_persons_churn_scored') }}
),

eligible as (
    select
        reference_date,
        person_id,
        has_churn_warning,
        is_churned
    from persons_churn_scored
    where is_eligible and has_full_baseline and has_full_outcome_horizon
),

counted as (
    select
        reference_date,
        count(*) as count_eligible_persons,
        count(case when is_churned then 1 end) as count_churned_persons,
        count(case when has_churn_warning then 1 end) as count_flagged_persons,
        count(case when has_churn_warning and is_churned then 1 end) as count_flagged_churned_persons,
        count(case when not has_churn_warning then 1 end) as count_not_flagged_persons,
        count(case when not has_churn_warning and is_churned then 1 end) as count_not_flagged_churned_persons
    from eligible
    group by reference_date
),

rated as (
    select
        *,
        case
            when count_flagged_persons > 0 then cast(count_flagged_churned_persons as double) / count_flagged_persons
        end as churn_rate_flagged,
        case
            when count_not_flagged_persons > 0
                then cast(count_not_flagged_churned_persons as double) / count_not_flagged_persons
        end as churn_rate_not_flagged,
        cast(count_churned_persons as double) / count_eligible_persons as churn_rate_eligible
    from counted
),

final as (
    select
        reference_date,
        cast({{ dbt.dateadd('day', var('churn_warning_outcome_days'), 'reference_date') }} as date) as outcome_end_date,
        cast(count_eligible_persons as {{ dbt.type_bigint() }}) as count_eligible_persons,
        cast(count_churned_persons as {{ dbt.type_bigint() }}) as count_churned_persons,
        cast(count_flagged_persons as {{ dbt.type_bigint() }}) as count_flagged_persons,
        cast(count_flagged_churned_persons as {{ dbt.type_bigint() }}) as count_flagged_churned_persons,
        cast(count_not_flagged_persons as {{ dbt.type_bigint() }}) as count_not_flagged_persons,
        cast(count_not_flagged_churned_persons as {{ dbt.type_bigint() }}) as count_not_flagged_churned_persons,
        churn_rate_flagged,
        churn_rate_not_flagged,
        churn_rate_eligible,
        churn_rate_flagged as flag_precision,
        case
            when count_churned_persons > 0 then cast(count_flagged_churned_persons as double) / count_churned_persons
        end as flag_recall,
        case when churn_rate_eligible > 0 then churn_rate_flagged / churn_rate_eligible end as lift
    from rated
)

select * from final
