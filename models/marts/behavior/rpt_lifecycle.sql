{#- One row per grain (day, week from Monday, month), period and lifecycle status with at least one person,
    PostHog's lifecycle: new (first active period ever), returning (active this and the previous period),
    resurrecting (active this period, not the previous one, but earlier), dormant (active the previous
    period, not this one; a positive count). -#}
{%- set grains = ['day', 'week', 'month'] %}

with

person_daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

activity as (
    select
        person_id,
        activity_date
    from person_daily_activity
    where activity_date <= {{ as_of_date() }}
),

person_periods as (
    {%- for grain in grains %}
        select {% if grain != 'day' %}distinct{% endif %}
            '{{ grain }}' as grain,
            person_id,
            cast({{ dbt.date_trunc(grain, 'activity_date') }} as date) as period_start
        from activity
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

sequenced as (
    select
        grain,
        person_id,
        period_start,
        lag(period_start) over (partition by grain, person_id order by period_start) as previous_active_period_start,
        lead(period_start) over (partition by grain, person_id order by period_start) as next_active_period_start,
        case grain
            {%- for grain in grains %}
                when '{{ grain }}' then cast({{ dbt.dateadd(grain, -1, 'period_start') }} as date)
            {%- endfor %}
        end as previous_period_start,
        case grain
            {%- for grain in grains %}
                when '{{ grain }}' then cast({{ dbt.dateadd(grain, 1, 'period_start') }} as date)
            {%- endfor %}
        end as next_period_start
    from person_periods
),

current_periods as (
    {%- for grain in grains %}
        select
            '{{ grain }}' as grain,
            cast({{ dbt.date_trunc(grain, as_of_date()) }} as date) as current_period_start
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

statuses as (
    select
        grain,
        period_start,
        case
            when previous_active_period_start is null then 'new'
            when previous_active_period_start = previous_period_start then 'returning'
            else 'resurrecting'
        end as status
    from sequenced

    union all

    -- dormant in the period after an active one, unless active again then; never after the current period
    select
        sequenced.grain,
        sequenced.next_period_start as period_start,
        'dormant' as status
    from sequenced
    inner join current_periods
        on sequenced.grain = current_periods.grain
    where
        (
            sequenced.next_active_period_start is null
            or sequenced.next_active_period_start <> sequenced.next_period_start
        )
        and sequenced.next_period_start <= current_periods.current_period_start
),

counted as (
    select
        grain,
        period_start,
        status,
        count(*) as persons
    from statuses
    group by grain, period_start, status
),

final as (
    select
        grain,
        period_start,
        status,
        cast(persons as {{ dbt.type_bigint() }}) as persons,
        -- complete when the period's last day is on or before the analysis date
        case grain
            {%- for grain in grains %}
                when '{{ grain }}' then cast({{ dbt.dateadd(grain, 1, 'period_start') }} as date)
                    <= cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date)
            {%- endfor %}
        end as is_complete
    from counted
)

select * from final
