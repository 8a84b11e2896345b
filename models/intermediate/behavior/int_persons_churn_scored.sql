{#- One row per reference date per person active in the churn-warning windows before it: the churn-warning
    rule evaluated as of that date, and what the person did afterwards. The one implementation of the rule:
    dim_person_lifecycle_stages reads the analysis date's rows, rpt_churn_warning_backtest the past ones. -#}
{%- set measure = var('churn_warning_activity_measure') | string | trim %}
{%- if measure != 'active_days' and not modules.re.match('^count_[a-z0-9_]+$', measure) %}
    {{ exceptions.raise_compiler_error(
        "churn_warning_activity_measure must be active_days or a count_* column of fct_person_daily_activity, got '"
        ~ measure ~ "'") }}
{%- endif %}
{%- set recent_days = var('churn_warning_recent_days') | int %}
{%- set baseline_days = var('churn_warning_baseline_days') | int %}
{%- set outcome_days = var('churn_warning_outcome_days') | int %}
{%- set step_days = var('churn_warning_backtest_step_days') | int %}

with

person_daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

activity as (
    select
        person_id,
        activity_date,
        count_events,
        {% if measure == 'active_days' -%}
            1
        {%- else -%}
            coalesce({{ measure }}, 0)
        {%- endif %} as activity_amount
    from person_daily_activity
    where activity_date <= {{ as_of_date() }}
),

-- Data starts with event tracking: an order history older than the first tracked event shows only part of
-- the activity, so a baseline reaching into it is not a full baseline (nor a back-test date).
bounds as (
    select
        coalesce(min(case when count_events > 0 then activity_date end), min(activity_date)) as start_date,
        {{ as_of_date() }} as end_date
    from activity
),

calendar as (
    {{ calendar_days('bounds') }}
),

-- the analysis date and every step_days before it, back to the first day of data
reference_dates as (
    select
        calendar.calendar_date as reference_date,
        cast({{ dbt.dateadd('day', 1 - recent_days, 'calendar.calendar_date') }} as date) as recent_start_date,
        cast({{ dbt.dateadd('day', 1 - recent_days - baseline_days, 'calendar.calendar_date') }} as date)
            as baseline_start_date,
        cast({{ dbt.dateadd('day', outcome_days, 'calendar.calendar_date') }} as date) as outcome_end_date,
        bounds.start_date as data_start_date,
        bounds.end_date as data_end_date
    from calendar
    cross join bounds
    where
        {{ dbt.datediff('calendar.calendar_date', 'bounds.end_date', 'day') }}
        % {{ step_days }} = 0
),

-- each active day meets the few reference dates whose windows (baseline, recent, outcome) contain it
windowed as (
    select
        reference_dates.reference_date,
        activity.person_id,
        sum(
            case when activity.activity_date >= reference_dates.recent_start_date
                    and activity.activity_date <= reference_dates.reference_date
                    then activity.activity_amount
                else 0
            end
        ) as recent_activity,
        sum(
            case when activity.activity_date < reference_dates.recent_start_date
                    then activity.activity_amount
                else 0
            end
        ) as baseline_activity,
        count(case when activity.activity_date <= reference_dates.reference_date then 1 end)
            as count_active_days_before,
        count(case when activity.activity_date > reference_dates.reference_date then 1 end)
            as count_active_days_after
    from reference_dates
    inner join activity
        on
            reference_dates.baseline_start_date <= activity.activity_date
            and reference_dates.outcome_end_date >= activity.activity_date
    group by reference_dates.reference_date, activity.person_id
),

final as (
    select
        windowed.reference_date,
        windowed.person_id,
        cast(windowed.recent_activity as {{ dbt.type_bigint() }}) as recent_activity,
        cast(windowed.baseline_activity as {{ dbt.type_bigint() }}) as baseline_activity,
        cast(windowed.baseline_activity * {{ recent_days }} as double) / {{ baseline_days }}
            as expected_recent_activity,
        windowed.baseline_activity >= {{ var('churn_warning_min_baseline_activity') }} as is_eligible,
        -- recent < ratio * baseline * recent_days / baseline_days, without dividing (exact at the boundary)
        (
            windowed.baseline_activity >= {{ var('churn_warning_min_baseline_activity') }}
            and windowed.recent_activity * {{ baseline_days }}
            < {{ var('churn_warning_ratio') }} * windowed.baseline_activity * {{ recent_days }}
        ) as has_churn_warning,
        reference_dates.baseline_start_date >= reference_dates.data_start_date as has_full_baseline,
        reference_dates.outcome_end_date <= reference_dates.data_end_date as has_full_outcome_horizon,
        cast(windowed.count_active_days_after as {{ dbt.type_bigint() }}) as count_active_days_after,
        case
            when reference_dates.outcome_end_date <= reference_dates.data_end_date
                then windowed.count_active_days_after = 0
        end as is_churned
    from windowed
    inner join reference_dates
        on windowed.reference_date = reference_dates.reference_date
    where windowed.count_active_days_before > 0
)

select * from final
