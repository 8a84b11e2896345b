{#- One row per person with any activity up to the analysis date: their lifecycle stage as of that date
    (first matching rule wins: churned, silent, new, reactivated, active) and the churn-warning flag of
    int_persons_churn_scored at the analysis date. -#}
{%- set silent_after_days = var('lifecycle_silent_after_days') | int %}
{%- set churned_after_days = var('lifecycle_churned_after_days') | int %}
{%- set new_within_days = var('lifecycle_new_within_days') | int %}
{%- set reactivated_within_days = var('lifecycle_reactivated_within_days') | int %}

with

person_daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

persons_churn_scored as (
    select * from {{ ref('int_persons_churn_scored') }}
),

analysis_dates as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.dateadd('day', -6, as_of_date()) }} as date) as last_7_days_start_date,
        cast({{ dbt.dateadd('day', -29, as_of_date()) }} as date) as last_30_days_start_date
),

activity as (
    select
        person_id,
        activity_date,
        lag(activity_date) over (partition by person_id order by activity_date) as previous_active_date
    from person_daily_activity
    where activity_date <= {{ as_of_date() }}
),

persons as (
    select
        activity.person_id,
        min(activity.activity_date) as first_active_date,
        max(activity.activity_date) as last_active_date,
        -- a return after at least churned_after_days inactive days in a row (days between > the threshold)
        max(
            case
                when
                    {{ dbt.datediff('activity.previous_active_date', 'activity.activity_date', 'day') }}
                    > {{ churned_after_days }}
                    then activity.activity_date
            end
        ) as last_reactivated_date,
        count(case when activity.activity_date >= analysis_dates.last_7_days_start_date then 1 end)
            as count_active_days_last_7_days,
        count(case when activity.activity_date >= analysis_dates.last_30_days_start_date then 1 end)
            as count_active_days_last_30_days
    from activity
    cross join analysis_dates
    group by activity.person_id
),

measured as (
    select
        persons.*,
        analysis_dates.as_of_date,
        {{ dbt.datediff('persons.first_active_date', 'analysis_dates.as_of_date', 'day') }}
            as days_since_first_active,
        {{ dbt.datediff('persons.last_active_date', 'analysis_dates.as_of_date', 'day') }}
            as days_since_last_active,
        {{ dbt.datediff('persons.last_reactivated_date', 'analysis_dates.as_of_date', 'day') }}
            as days_since_reactivated
    from persons
    cross join analysis_dates
),

final as (
    select
        measured.person_id,
        measured.as_of_date,
        measured.first_active_date,
        measured.last_active_date,
        measured.last_reactivated_date,
        cast(measured.days_since_first_active as {{ dbt.type_bigint() }}) as days_since_first_active,
        cast(measured.days_since_last_active as {{ dbt.type_bigint() }}) as days_since_last_active,
        cast(measured.count_active_days_last_7_days as {{ dbt.type_bigint() }}) as count_active_days_last_7_days,
        cast(measured.count_active_days_last_30_days as {{ dbt.type_bigint() }}) as count_active_days_last_30_days,
        cast(coalesce(persons_churn_scored.recent_activity, 0) as {{ dbt.type_bigint() }})
            as churn_warning_recent_activity,
        cast(coalesce(persons_churn_scored.baseline_activity, 0) as {{ dbt.type_bigint() }})
            as churn_warning_baseline_activity,
        cast(coalesce(persons_churn_scored.expected_recent_activity, 0) as double)
            as churn_warning_expected_recent_activity,
        coalesce(persons_churn_scored.is_eligible, false) as is_churn_warning_eligible,
        coalesce(persons_churn_scored.has_churn_warning, false) as has_churn_warning,
        -- days_since_* count the analysis date: 14 means 14 inactive days in a row (first match wins)
        case
            when measured.days_since_last_active >= {{ churned_after_days }} then 'churned'
            when measured.days_since_last_active >= {{ silent_after_days }} then 'silent'
            when measured.days_since_first_active < {{ new_within_days }} then 'new'
            when measured.days_since_reactivated < {{ reactivated_within_days }} then 'reactivated'
            else 'active'
        end as lifecycle_stage
    from measured
    left join persons_churn_scored
        on
            measured.person_id = persons_churn_scored.person_id
            and measured.as_of_date = persons_churn_scored.reference_date
)

select * from final
