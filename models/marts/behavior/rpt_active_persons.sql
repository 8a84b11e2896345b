{#- One row per reporting day per platform per channel ('all' rows for totals): DAU, WAU, MAU, DAU/MAU and
    new vs returning persons. Rolling distinct counts come from a sweep over each person's active days (no
    join of every day to its 30-day window), so the cost grows with person-days, not person-days x 30. -#}
{%- set from_date = var('active_persons_from_date') | string | trim %}
{%- if from_date and from_date != 'None' and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', from_date) %}
    {{ exceptions.raise_compiler_error("active_persons_from_date must be YYYY-MM-DD or empty, got '" ~ from_date ~ "'") }}
{%- endif %}

with

person_daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

activity as (
    select
        person_id,
        activity_date,
        active_platforms,
        min(activity_date) over (partition by person_id) as first_active_date
    from person_daily_activity
    where activity_date <= {{ as_of_date() }}
),

-- each platform used that day; 'none' when no active event carried one (e.g. a store order only)
person_day_platforms as (
    select
        person_id,
        activity_date,
        {{ split_to_rows('active_platforms', ',') }} as platform
    from activity
    where active_platforms is not null

    union all

    select
        person_id,
        activity_date,
        'none' as platform
    from activity
    where active_platforms is null

    union all

    select
        person_id,
        activity_date,
        'all' as platform
    from activity
),

-- a session counts on the days of its first and last event (a session never lasts 24 hours)
session_days as (
    select
        person_id,
        session_date as activity_date,
        channel
    from sessions

    union

    select
        person_id,
        {{ to_reporting_date('session_ended_at') }} as activity_date,
        channel
    from sessions
),

-- each channel of the day's sessions; 'none' when the person had no session that day
person_day_channels as (
    select
        activity.person_id,
        activity.activity_date,
        coalesce(session_days.channel, 'none') as channel
    from activity
    left join session_days
        on
            activity.person_id = session_days.person_id
            and activity.activity_date = session_days.activity_date

    union all

    select
        person_id,
        activity_date,
        'all' as channel
    from activity
),

person_day_segments as (
    select
        activity.person_id,
        activity.activity_date,
        activity.first_active_date,
        person_day_platforms.platform,
        person_day_channels.channel
    from activity
    inner join person_day_platforms
        on
            activity.person_id = person_day_platforms.person_id
            and activity.activity_date = person_day_platforms.activity_date
    inner join person_day_channels
        on
            activity.person_id = person_day_channels.person_id
            and activity.activity_date = person_day_channels.activity_date
),

sequenced as (
    select
        platform,
        channel,
        activity_date,
        first_active_date,
        lead(activity_date) over (
            partition by person_id, platform, channel order by activity_date
        ) as next_active_date,
        cast({{ dbt.dateadd('day', 7, 'activity_date') }} as date) as week_window_exit_date,
        cast({{ dbt.dateadd('day', 30, 'activity_date') }} as date) as month_window_exit_date
    from person_day_segments
),

-- A person is in the rolling window of day d when active on a day in (d - window, d]: from each active day
-- until the window passes it or their next active day takes over. These spans never overlap, so a running
-- sum of +1 at each start and -1 at each end counts distinct persons.
window_changes as (
    select
        platform,
        channel,
        activity_date as change_date,
        1 as week_change,
        1 as month_change
    from sequenced

    union all

    select
        platform,
        channel,
        least(coalesce(next_active_date, week_window_exit_date), week_window_exit_date) as change_date,
        -1 as week_change,
        0 as month_change
    from sequenced

    union all

    select
        platform,
        channel,
        least(coalesce(next_active_date, month_window_exit_date), month_window_exit_date) as change_date,
        0 as week_change,
        -1 as month_change
    from sequenced
),

daily_changes as (
    select
        platform,
        channel,
        change_date,
        sum(week_change) as week_change,
        sum(month_change) as month_change
    from window_changes
    group by platform, channel, change_date
),

daily_counts as (
    select
        platform,
        channel,
        activity_date,
        count(*) as count_active_persons,
        count(case when activity_date = first_active_date then 1 end) as count_new_persons
    from sequenced
    group by platform, channel, activity_date
),

segments as (
    select distinct
        platform,
        channel
    from daily_counts
),

bounds as (
    select
        min(activity_date) as start_date,
        {{ as_of_date() }} as end_date
    from activity
),

calendar as (
    {{ calendar_days('bounds') }}
),

rolled as (
    select
        calendar.calendar_date as activity_date,
        segments.platform,
        segments.channel,
        coalesce(daily_counts.count_active_persons, 0) as count_active_persons,
        coalesce(daily_counts.count_new_persons, 0) as count_new_persons,
        sum(coalesce(daily_changes.week_change, 0)) over (
            partition by segments.platform, segments.channel
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as count_active_persons_last_7_days,
        sum(coalesce(daily_changes.month_change, 0)) over (
            partition by segments.platform, segments.channel
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as count_active_persons_last_30_days
    from calendar
    cross join segments
    left join daily_counts
        on
            segments.platform = daily_counts.platform
            and segments.channel = daily_counts.channel
            and calendar.calendar_date = daily_counts.activity_date
    left join daily_changes
        on
            segments.platform = daily_changes.platform
            and segments.channel = daily_changes.channel
            and calendar.calendar_date = daily_changes.change_date
),

final as (
    select
        activity_date,
        platform,
        channel,
        cast(count_active_persons as {{ dbt.type_bigint() }}) as count_active_persons,
        cast(count_active_persons_last_7_days as {{ dbt.type_bigint() }}) as count_active_persons_last_7_days,
        cast(count_active_persons_last_30_days as {{ dbt.type_bigint() }}) as count_active_persons_last_30_days,
        case
            when count_active_persons_last_30_days > 0
                then cast(count_active_persons as double) / count_active_persons_last_30_days
        end as stickiness,
        cast(count_new_persons as {{ dbt.type_bigint() }}) as count_new_persons,
        cast(count_active_persons - count_new_persons as {{ dbt.type_bigint() }}) as count_returning_persons
    from rolled
    {%- if from_date and from_date != 'None' %}
        where activity_date >= cast('{{ from_date }}' as date)
    {%- endif %}
)

select * from final
