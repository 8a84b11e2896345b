{#- One row per person per reporting day on which they were active: an active event (see
    int_events_sessionized) or an order of any status. Sessions and time spent count on the day the session
    started; orders and revenue count paid orders that were not refunded or cancelled (value rule). -#}
{%- set categories = var('activity_event_categories') %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

orders as (
    select * from {{ ref('int_orders_attributed') }}
),

event_days as (
    select
        person_id,
        event_date as activity_date,
        count(*) as count_events,
        sum(case when is_page_view then 1 else 0 end) as count_page_views,
        {% for category in categories -%}
            sum(case when event_category = '{{ category }}' then 1 else 0 end) as count_{{ category }}_events,
        {% endfor -%}
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events_sessionized
    group by person_id, event_date
),

platform_days as (
    select
        person_id,
        activity_date,
        count(*) as count_platforms,
        {{ listagg_sorted('platform') }} as active_platforms
    from (
        select distinct
            person_id,
            event_date as activity_date,
            platform
        from events_sessionized
        where platform is not null
    ) as distinct_platforms
    group by person_id, activity_date
),

session_days as (
    select
        person_id,
        session_date as activity_date,
        count(*) as count_sessions,
        -- rounded to the millisecond durations are measured in: a sum of doubles depends on the order DuckDB
        -- adds them in, and a refresh must give the same figure every time (incremental = full refresh)
        round(sum(duration_seconds), 3) as time_spent_seconds,
        sum(case when is_engaged then 1 else 0 end) as count_engaged_sessions
    from sessions
    group by person_id, session_date
),

order_days as (
    select
        person_id,
        ordered_date as activity_date,
        count(*) as count_orders_placed,
        sum(case when is_paid then 1 else 0 end) as count_orders,
        {{ sum_money('case when is_paid then total_amount else 0 end') }} as revenue,
        sum(case when is_paid and channel = 'store' then 1 else 0 end) as count_store_orders
    from orders
    where person_id is not null and ordered_date <= {{ as_of_date() }}
    group by person_id, ordered_date
),

person_days as (
    select
        person_id,
        activity_date
    from event_days
    union distinct
    select
        person_id,
        activity_date
    from order_days
),

final as (
    select
        person_days.person_id,
        person_days.activity_date,
        coalesce(event_days.count_events, 0) as count_events,
        coalesce(session_days.count_sessions, 0) as count_sessions,
        cast(coalesce(session_days.count_engaged_sessions, 0) as {{ dbt.type_bigint() }}) as count_engaged_sessions,
        cast(coalesce(session_days.time_spent_seconds, 0) as double) as time_spent_seconds,
        cast(coalesce(event_days.count_page_views, 0) as {{ dbt.type_bigint() }}) as count_page_views,
        coalesce(order_days.count_orders_placed, 0) as count_orders_placed,
        cast(coalesce(order_days.count_orders, 0) as {{ dbt.type_bigint() }}) as count_orders,
        cast(coalesce(order_days.count_store_orders, 0) as {{ dbt.type_bigint() }}) as count_store_orders,
        cast(coalesce(order_days.revenue, 0) as double) as revenue,
        cast(coalesce(platform_days.count_platforms, 0) as {{ dbt.type_bigint() }}) as count_platforms,
        platform_days.active_platforms,
        {% for category in categories -%}
            cast(coalesce(event_days.count_{{ category }}_events, 0) as {{ dbt.type_bigint() }})
                as count_{{ category }}_events,
        {% endfor -%}
        event_days.first_event_at,
        event_days.last_event_at
    from person_days
    left join event_days
        on person_days.person_id = event_days.person_id and person_days.activity_date = event_days.activity_date
    left join session_days
        on person_days.person_id = session_days.person_id and person_days.activity_date = session_days.activity_date
    left join order_days
        on person_days.person_id = order_days.person_id and person_days.activity_date = order_days.activity_date
    left join platform_days
        on
            person_days.person_id = platform_days.person_id
            and person_days.activity_date = platform_days.activity_date
)

select * from final
