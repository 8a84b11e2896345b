{#- Every active, attributed event up to the analysis date with the session it belongs to. A session is a
    person's run of events without a pause of session_timeout_minutes or more, cut again at each full
    session_max_hours after its first event. Window passes over each person's events in time order; no join
    of events against events. -#}
{%- set timeout_seconds = var('session_timeout_minutes') | int * 60 %}
{%- set max_seconds = var('session_max_hours') | int * 3600 %}
{%- set passive_event_names = "'" ~ var('passive_event_names') | join("', '") ~ "'" %}

with

events as (
    select * from {{ ref('int_events_attributed') }}
),

active_events as (
    select
        event_id,
        person_id,
        event_at,
        event_date,
        event_type,
        event_name,
        event_category,
        event_type in ('page', 'screen') as is_page_view,
        coalesce(page_name, page_path) as page_name,
        page_path,
        page_referrer,
        nullif(lower(regexp_extract(page_referrer, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)', 1)), '')
            as referrer_domain,
        lower(campaign_source) as campaign_source,
        lower(campaign_medium) as campaign_medium,
        campaign_name,
        platform,
        device_id,
        anonymous_id,
        user_id,
        os_name,
        app_version,
        properties
    from events
    where
        person_id is not null
        and event_date <= {{ as_of_date() }}
        and event_name not in ({{ passive_event_names }})
),

pauses as (
    select
        *,
        {{ seconds_between(
            'lag(event_at) over (partition by person_id order by event_at, event_id)', 'event_at'
        ) }} as seconds_since_previous_event
    from active_events
),

visits as (
    select
        *,
        sum(
            case
                when seconds_since_previous_event is null
                    or seconds_since_previous_event >= {{ timeout_seconds }} then 1
                else 0
            end
        ) over (
            partition by person_id order by event_at, event_id rows between unbounded preceding and current row
        ) as visit_number
    from pauses
),

visit_parts as (
    select
        *,
        floor(
            {{ seconds_between(
                'min(event_at) over (partition by person_id, visit_number)', 'event_at'
            ) }} / {{ max_seconds }}
        ) as visit_part
    from visits
),

sessions as (
    select
        *,
        first_value(event_id) over (
            partition by person_id, visit_number, visit_part order by event_at, event_id
        ) as session_first_event_id,
        min(event_at) over (partition by person_id, visit_number, visit_part) as session_started_at,
        row_number() over (
            partition by person_id, visit_number, visit_part order by event_at, event_id
        ) as event_number_in_session
    from visit_parts
),

final as (
    select
        event_id,
        person_id,
        'ses_' || {{ dbt.hash("person_id || '|' || session_first_event_id") }} as session_id,
        session_started_at,
        event_number_in_session,
        event_at,
        event_date,
        event_type,
        event_name,
        event_category,
        is_page_view,
        page_name,
        page_path,
        page_referrer,
        referrer_domain,
        campaign_source,
        campaign_medium,
        campaign_name,
        platform,
        device_id,
        anonymous_id,
        user_id,
        os_name,
        app_version,
        properties
    from sessions
)

select * from final
