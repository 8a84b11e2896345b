{#- One row per person, cohort grain and calendar period (counted from the person's cohort period) in which
    the person returned, period 0 always included. The cohort day is the person's first active day, or the
    first day of an event named var retention_start_event; a return is an active day, or a day with an event
    named var retention_return_event, on or after the cohort day. Each person's active periods are listed once
    and their last one is kept beside them, so the mart reads "on or after period N" as last_active_period >= N
    without joining periods against later periods. -#}
-- depends_on: {{ ref('int_events_sessionized') }}
{%- set start_event = (var('retention_start_event') or '') | string | trim %}
{%- set return_event = (var('retention_return_event') or '') | string | trim %}
{%- set max_periods = var('retention_max_periods') %}

with

daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),
{%- if start_event or return_event %}

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),
{%- endif %}

start_days as (
    {%- if start_event %}
    select
        person_id,
        event_date as start_date
    from events_sessionized
    where event_name = '{{ start_event | replace("'", "''") }}'
    {%- else %}
        select
            person_id,
            activity_date as start_date
        from daily_activity
    {%- endif %}
),

return_days as (
    {%- if return_event %}
    select distinct
        person_id,
        event_date as return_date
    from events_sessionized
    where event_name = '{{ return_event | replace("'", "''") }}'
    {%- else %}
        select
            person_id,
            activity_date as return_date
        from daily_activity
    {%- endif %}
),

cohorts as (
    select
        person_id,
        min(start_date) as cohort_date
    from start_days
    where start_date <= {{ as_of_date() }}
    group by person_id
),

-- the cohort day itself makes period 0 active for everyone: period 0 is 100% by definition
person_return_days as (
    select
        person_id,
        cohort_date,
        cohort_date as return_date
    from cohorts
    union all
    select
        cohorts.person_id,
        cohorts.cohort_date,
        return_days.return_date
    from cohorts
    inner join return_days
        on
            cohorts.person_id = return_days.person_id
            and cohorts.cohort_date <= return_days.return_date
            and return_days.return_date <= {{ as_of_date() }}
),

person_periods as (
    {%- for grain in max_periods %}
        select
            person_id,
            '{{ grain }}' as grain,
            cohort_date,
            {{ calendar_period_start(grain, 'cohort_date') }} as cohort_start,
            {{ calendar_periods_between(
                grain, calendar_period_start(grain, 'cohort_date'), calendar_period_start(grain, 'return_date')
            ) }} as period_number
        from person_return_days
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

distinct_person_periods as (
    select
        person_id,
        grain,
        cohort_date,
        cohort_start,
        period_number,
        max(period_number) over (partition by person_id, grain) as last_active_period
    from person_periods
    group by person_id, grain, cohort_date, cohort_start, period_number
),

final as (
    select
        person_id,
        grain,
        cohort_date,
        cohort_start,
        cast(period_number as {{ dbt.type_bigint() }}) as period_number,
        cast(last_active_period as {{ dbt.type_bigint() }}) as last_active_period
    from distinct_person_periods
    where
        period_number <= case
            {%- for grain, max_period in max_periods.items() %}
                when grain = '{{ grain }}' then {{ max_period | int }}
            {%- endfor %}
        end
)

select * from final
