{#- One row per calendar week (from Monday) or month, and number of days in it a person was active: how many
    persons were active on exactly that many days, and their share of the period's active persons. Active days
    are the rows of fct_person_daily_activity (an active event or an order). -#}
{%- set grains = ['week', 'month'] %}

with

daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

person_periods as (
    {%- for grain in grains %}
        select
            '{{ grain }}' as grain,
            {{ calendar_period_start(grain, 'activity_date') }} as period_start,
            person_id,
            count(*) as active_days
        from daily_activity
        where activity_date <= {{ as_of_date() }}
        group by {{ calendar_period_start(grain, 'activity_date') }}, person_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

period_days as (
    select
        grain,
        period_start,
        active_days,
        count(*) as persons
    from person_periods
    group by grain, period_start, active_days
),

final as (
    select
        cast(grain as {{ dbt.type_string() }}) as grain,
        cast(period_start as date) as period_start,
        cast(active_days as {{ dbt.type_bigint() }}) as active_days,
        cast(persons as {{ dbt.type_bigint() }}) as persons,
        cast(persons as double) / sum(persons) over (partition by grain, period_start) as share_of_active_persons,
        case
            {%- for grain in grains %}
                when grain = '{{ grain }}'
                    then {{ calendar_period_add(grain, 1, 'period_start') }}
                        <= cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date)
            {%- endfor %}
        end as is_complete
    from period_days
)

select * from final
