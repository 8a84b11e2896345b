{#- One row per session: its first event decides where it came from (referrer, campaign, channel,
    platform, device), its first and last page or screen view where it landed and left. The channel is the first rule of
    seeds/channel_mapping.csv whose patterns all match the first event. -#}
{%- set engaged_categories = "'" ~ var('engaged_session_event_categories') | join("', '") ~ "'" %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

session_totals as (
    select
        session_id,
        person_id,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        count(*) as count_events,
        sum(case when is_page_view then 1 else 0 end) as count_page_views,
        sum(case when not is_page_view and event_category <> 'app_lifecycle' then 1 else 0 end) as count_interactions,
        sum(case when event_category in ({{ engaged_categories }}) then 1 else 0 end) as count_engagement_events,
        count(distinct platform) as count_platforms,
        sum(case when event_name = 'Order Completed' then 1 else 0 end) as count_orders_completed
    from events_sessionized
    group by session_id, person_id
),

first_events as (
    select
        session_id,
        event_at,
        event_date,
        page_referrer as referrer,
        referrer_domain,
        campaign_source,
        campaign_medium,
        campaign_name,
        platform,
        device_id,
        os_name,
        app_version
    from events_sessionized
    where event_number_in_session = 1
),

-- app sessions open with Application Opened, which has no page: the first and last page or screen count
page_ends as (
    select
        session_id,
        min_by(page_name, event_number_in_session) as landing_page_name,
        min_by(page_path, event_number_in_session) as landing_page_path,
        max_by(page_name, event_number_in_session) as exit_page_name
    from events_sessionized
    where page_name is not null
    group by session_id
),

channels as (
    select
        first_events.session_id,
        channel_mapping.channel
    from first_events
    inner join channel_mapping
        on
            (
                channel_mapping.utm_medium_pattern is null
                or {{ matches_pattern_expression('first_events.campaign_medium', 'channel_mapping.utm_medium_pattern') }}
            )
            and (
                channel_mapping.utm_source_pattern is null
                or {{ matches_pattern_expression('first_events.campaign_source', 'channel_mapping.utm_source_pattern') }}
            )
            and (
                channel_mapping.referrer_domain_pattern is null
                or {{ matches_pattern_expression('first_events.referrer_domain', 'channel_mapping.referrer_domain_pattern') }}
            )
    qualify row_number() over (partition by first_events.session_id order by channel_mapping.rule_order) = 1
),

final as (
    select
        session_totals.session_id,
        session_totals.person_id,
        session_totals.session_started_at,
        session_totals.session_ended_at,
        first_events.event_date as session_date,
        cast(
            {{ seconds_between('session_totals.session_started_at', 'session_totals.session_ended_at') }}
            as double
        ) as duration_seconds,
        session_totals.count_events,
        cast(session_totals.count_page_views as {{ dbt.type_bigint() }}) as count_page_views,
        cast(session_totals.count_interactions as {{ dbt.type_bigint() }}) as count_interactions,
        cast(session_totals.count_orders_completed as {{ dbt.type_bigint() }}) as count_orders_completed,
        first_events.platform,
        session_totals.count_platforms,
        first_events.device_id,
        first_events.os_name,
        first_events.app_version,
        page_ends.landing_page_name,
        page_ends.landing_page_path,
        page_ends.exit_page_name,
        first_events.referrer,
        first_events.referrer_domain,
        first_events.campaign_source,
        first_events.campaign_medium,
        first_events.campaign_name,
        coalesce(channels.channel, 'unmapped') as channel,
        session_totals.count_page_views <= 1 and session_totals.count_interactions = 0 as is_bounce,
        (
            {{ seconds_between('session_totals.session_started_at', 'session_totals.session_ended_at') }}
            >= {{ var('engaged_session_min_seconds') }}
            or session_totals.count_page_views >= {{ var('engaged_session_min_page_views') }}
            or session_totals.count_engagement_events > 0
        ) as is_engaged
    from session_totals
    inner join first_events on session_totals.session_id = first_events.session_id
    left join page_ends on session_totals.session_id = page_ends.session_id
    left join channels on session_totals.session_id = channels.session_id
)

select * from final
