{#- One row per person of dim_persons: the facts tag rules are written over (macros/tag_catalog.sql), as of
    the analysis date. Windows end on the analysis date, which is included: the last 30, 90 or 365 days
    (90 for the session profile: average length, platform, hour, channel). CRM fields come
    from the person's latest CRM version updated up to the analysis date, unless that version is deleted.
    Counts are 0 and flags false when there is nothing to count; averages, shares and "days since" are null
    when not applicable (e.g. avg_order_value for a person who never bought). -#}
with

persons as (
    select * from {{ ref('dim_persons') }}
),

person_identifiers as (
    select * from {{ ref('bdg_person_identifiers') }}
),

customer_versions as (
    select * from {{ ref('stg_crm__customer_versions') }}
),

city_tiers as (
    select * from {{ ref('city_tiers') }}
),

lifecycle_stages as (
    select * from {{ ref('dim_person_lifecycle_stages') }}
),

daily_activity as (
    select * from {{ ref('fct_person_daily_activity') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

events as (
    select * from {{ ref('int_events_sessionized') }}
),

campaign_touches as (
    select * from {{ ref('int_campaign_touches_attributed') }}
),

tickets as (
    select * from {{ ref('int_tickets_attributed') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

person_value as (
    select * from {{ ref('fct_person_value') }}
),

feature_lists as (
    select * from {{ ref('int_person_feature_lists') }}
),

analysis_dates as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.dateadd('day', -29, as_of_date()) }} as date) as last_30_days_start_date,
        cast({{ dbt.dateadd('day', -89, as_of_date()) }} as date) as last_90_days_start_date,
        cast({{ dbt.dateadd('day', -364, as_of_date()) }} as date) as last_365_days_start_date
),

crm_latest_versions as (
    select
        person_identifiers.person_id,
        customer_versions.*
    from person_identifiers
    inner join customer_versions
        on person_identifiers.identifier_value = customer_versions.crm_id
    cross join analysis_dates
    where
        person_identifiers.identifier_type = 'crm_id'
        and {{ to_reporting_date('customer_versions.updated_at') }} <= analysis_dates.as_of_date
    qualify
        row_number() over (
            partition by person_identifiers.person_id
            order by customer_versions.updated_at desc, customer_versions.crm_id asc
        ) = 1
),

crm_profiles as (
    select
        crm_latest_versions.person_id,
        crm_latest_versions.gender,
        crm_latest_versions.province,
        crm_latest_versions.city,
        crm_latest_versions.member_tier,
        crm_latest_versions.is_marketing_opt_in,
        -- whole years: the year difference, less one before this year's birthday
        extract(year from analysis_dates.as_of_date) - extract(year from crm_latest_versions.birth_date)
        - case
            when
                extract(month from analysis_dates.as_of_date) * 100 + extract(day from analysis_dates.as_of_date)
                < extract(month from crm_latest_versions.birth_date) * 100
                + extract(day from crm_latest_versions.birth_date)
                then 1
            else 0
        end as age_years,
        {{ dbt.datediff('crm_latest_versions.registered_date', 'analysis_dates.as_of_date', 'day') }}
            as member_tenure_days
    from crm_latest_versions
    cross join analysis_dates
    where not crm_latest_versions.is_deleted
),

window_sessions as (
    select
        sessions.*,
        sessions.session_date >= analysis_dates.last_30_days_start_date as is_last_30_days
    from sessions
    cross join analysis_dates
    where
        sessions.person_id is not null
        and sessions.session_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
),

session_totals as (
    select
        person_id,
        count(case when is_last_30_days then 1 end) as count_sessions_last_30_days,
        -- averaged in whole microseconds (exact integer sums): an average of fractional doubles depends on the
        -- order they are added in, and rounding can then land on either side of a half hundredth
        round(avg(round(duration_seconds * 1000000)) / 60000000.0, 2) as avg_session_minutes,
        count(case when platform in ('ios', 'android') then 1 end) as count_app_sessions_last_90_days
    from window_sessions
    group by person_id
),

-- the hour (reporting time zone) in which most sessions started; ties to the earliest hour
session_hours as (
    select
        person_id,
        {{ to_reporting_hour('session_started_at') }} as session_hour,
        count(*) as count_sessions
    from window_sessions
    group by person_id, {{ to_reporting_hour('session_started_at') }}
),

most_active_hours as (
    select
        person_id,
        session_hour as most_active_hour
    from session_hours
    qualify row_number() over (partition by person_id order by count_sessions desc, session_hour asc) = 1
),

channel_sessions as (
    select
        person_id,
        channel,
        count(*) as count_sessions
    from window_sessions
    where channel is not null
    group by person_id, channel
),

-- direct only wins when every session was direct: it says nothing about how the person is reached
preferred_channels as (
    select
        person_id,
        channel as preferred_channel
    from channel_sessions
    qualify
        row_number() over (
            partition by person_id
            order by case when channel = 'direct' then 1 else 0 end asc, count_sessions desc, channel asc
        ) = 1
),

active_day_totals as (
    select
        daily_activity.person_id,
        count(*) as count_active_days_last_90_days,
        -- days since Monday 2000-01-03, modulo 7: 5 is a Saturday, 6 a Sunday (engine-independent); doubles, as
        -- Spark would average decimal literals to five decimal places
        avg(
            case
                when
                    {{ dbt.datediff("cast('2000-01-03' as date)", 'daily_activity.activity_date', 'day') }}
                    % 7 >= 5
                    then cast(1 as double)
                else cast(0 as double)
            end
        ) as weekend_active_day_share_last_90_days
    from daily_activity
    cross join analysis_dates
    where daily_activity.activity_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
    group by daily_activity.person_id
),

event_totals as (
    select
        events.person_id,
        max(
            case
                when events.event_name = 'Product Added' and events.event_date >= analysis_dates.last_30_days_start_date
                    then events.event_at
            end
        ) as last_cart_added_at,
        max(case when events.event_name = 'Order Completed' then events.event_at end) as last_order_completed_at,
        count(
            case
                when
                    events.event_name = 'Products Searched'
                    and events.event_date >= analysis_dates.last_30_days_start_date
                    then 1
            end
        ) as count_searches_last_30_days,
        count(case when events.event_name = 'Promotion Clicked' then 1 end) as count_promotion_clicks_last_90_days
    from events
    cross join analysis_dates
    where
        events.event_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
        and events.event_name in ('Product Added', 'Order Completed', 'Products Searched', 'Promotion Clicked')
    group by events.person_id
),

touch_totals as (
    select
        campaign_touches.person_id,
        count(*) as count_campaign_touches_last_90_days,
        count(case when campaign_touches.is_clicked then 1 end) as count_campaign_clicks_last_90_days
    from campaign_touches
    cross join analysis_dates
    where
        campaign_touches.person_id is not null
        and not campaign_touches.is_holdout
        and campaign_touches.sent_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
    group by campaign_touches.person_id
),

ticket_totals as (
    select
        tickets.person_id,
        count(*) as count_tickets_last_90_days,
        avg(tickets.csat_score * cast(1 as double)) as avg_satisfaction_last_90_days
    from tickets
    cross join analysis_dates
    where
        tickets.person_id is not null
        and tickets.created_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
    group by tickets.person_id
),

order_totals as (
    select
        orders.person_id,
        count(
            case when orders.ordered_date >= analysis_dates.last_365_days_start_date then 1 end
        ) as count_orders_last_365_days,
        count(
            case when orders.has_coupon and orders.ordered_date >= analysis_dates.last_90_days_start_date then 1 end
        ) as count_coupon_orders_last_90_days
    from orders
    cross join analysis_dates
    where
        orders.is_value_order
        and orders.person_id is not null
        and orders.ordered_date <= analysis_dates.as_of_date
    group by orders.person_id
),

preferred_platforms as (
    select
        person_id,
        list_value as preferred_platform
    from feature_lists
    where list_name = 'platforms' and value_rank = 1
),

final as (
    select
        persons.person_id,
        -- demographic
        crm_profiles.gender,
        cast(crm_profiles.age_years as {{ dbt.type_bigint() }}) as age_years,
        crm_profiles.province,
        crm_profiles.city,
        city_tiers.city_tier,
        crm_profiles.member_tier,
        cast(crm_profiles.member_tenure_days as {{ dbt.type_bigint() }}) as member_tenure_days,
        crm_profiles.person_id is not null as is_member,
        crm_profiles.is_marketing_opt_in,
        persons.count_phones,
        persons.count_emails,
        -- behavior
        cast(coalesce(lifecycle_stages.count_active_days_last_30_days, 0) as {{ dbt.type_bigint() }})
            as active_days_last_30_days,
        cast(coalesce(session_totals.count_sessions_last_30_days, 0) as {{ dbt.type_bigint() }})
            as count_sessions_last_30_days,
        cast(session_totals.avg_session_minutes as double) as avg_session_minutes,
        cast(coalesce(session_totals.count_app_sessions_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_app_sessions_last_90_days,
        preferred_platforms.preferred_platform,
        cast(most_active_hours.most_active_hour as {{ dbt.type_bigint() }}) as most_active_hour,
        preferred_channels.preferred_channel,
        person_value.favourite_channel as preferred_order_channel,
        cast(coalesce(active_day_totals.count_active_days_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_active_days_last_90_days,
        cast(active_day_totals.weekend_active_day_share_last_90_days as double)
            as weekend_active_day_share_last_90_days,
        coalesce(
            event_totals.last_cart_added_at is not null
            and (
                event_totals.last_order_completed_at is null
                or event_totals.last_order_completed_at < event_totals.last_cart_added_at
            ),
            false
        ) as has_abandoned_cart_last_30_days,
        cast(coalesce(event_totals.count_searches_last_30_days, 0) as {{ dbt.type_bigint() }})
            as count_searches_last_30_days,
        cast(coalesce(touch_totals.count_campaign_touches_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_campaign_touches_last_90_days,
        cast(coalesce(touch_totals.count_campaign_clicks_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_campaign_clicks_last_90_days,
        cast(coalesce(ticket_totals.count_tickets_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_tickets_last_90_days,
        cast(ticket_totals.avg_satisfaction_last_90_days as double) as avg_satisfaction_last_90_days,
        -- interest
        person_value.favourite_category,
        person_value.coupon_order_share,
        cast(coalesce(event_totals.count_promotion_clicks_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_promotion_clicks_last_90_days,
        cast(coalesce(order_totals.count_coupon_orders_last_90_days, 0) as {{ dbt.type_bigint() }})
            as count_coupon_orders_last_90_days,
        person_value.favourite_payment_method as preferred_payment_method,
        -- value
        person_value.rfm_segment,
        person_value.value_tier,
        cast(coalesce(person_value.count_orders, 0) as {{ dbt.type_bigint() }}) as count_orders,
        cast(coalesce(person_value.revenue, 0) as double) as total_revenue,
        person_value.average_order_value as avg_order_value,
        person_value.predicted_clv,
        person_value.probability_alive,
        person_value.rfm_recency_days as days_since_last_order,
        cast(coalesce(order_totals.count_orders_last_365_days, 0) as {{ dbt.type_bigint() }})
            as count_orders_last_365_days,
        cast(coalesce(person_value.count_refunded_orders, 0) as {{ dbt.type_bigint() }}) as count_refunded_orders,
        -- lifecycle
        lifecycle_stages.lifecycle_stage,
        lifecycle_stages.has_churn_warning,
        lifecycle_stages.days_since_last_active as days_since_last_visit,
        case
            when {{ to_reporting_date('persons.first_seen_at') }} <= analysis_dates.as_of_date
                then {{ dbt.datediff(to_reporting_date('persons.first_seen_at'), 'analysis_dates.as_of_date', 'day') }}
        end as days_since_first_seen
    from persons
    cross join analysis_dates
    left join crm_profiles
        on persons.person_id = crm_profiles.person_id
    left join city_tiers
        on crm_profiles.city = city_tiers.city
    left join lifecycle_stages
        on persons.person_id = lifecycle_stages.person_id
    left join session_totals
        on persons.person_id = session_totals.person_id
    left join most_active_hours
        on persons.person_id = most_active_hours.person_id
    left join preferred_channels
        on persons.person_id = preferred_channels.person_id
    left join preferred_platforms
        on persons.person_id = preferred_platforms.person_id
    left join active_day_totals
        on persons.person_id = active_day_totals.person_id
    left join event_totals
        on persons.person_id = event_totals.person_id
    left join touch_totals
        on persons.person_id = touch_totals.person_id
    left join ticket_totals
        on persons.person_id = ticket_totals.person_id
    left join order_totals
        on persons.person_id = order_totals.person_id
    left join person_value
        on persons.person_id = person_value.person_id
)

select * from final
