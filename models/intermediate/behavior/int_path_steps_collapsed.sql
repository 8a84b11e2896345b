{#- One row per step of a session's path: the page or screen name of a page/screen event, the event name of a
    track event (var path_include_track_events; false keeps page/screen events only), in event order, with
    consecutive repeats of the same step counted once (var path_collapse_repeats). Steps are numbered from 1
    after collapsing; previous_step_name is the step before (null for the first). The session's platform is its
    first event's, as in fct_sessions. One window pass per session; no join of events against events. -#}
{%- set include_track_events = var('path_include_track_events') %}
{%- set collapse_repeats = var('path_collapse_repeats') %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

session_events as (
    select
        session_id,
        person_id,
        event_number_in_session,
        event_type,
        first_value(platform) over (
            partition by session_id order by event_number_in_session
            rows between unbounded preceding and unbounded following
        ) as platform,
        case
            when event_type in ('page', 'screen') then coalesce(page_name, event_name)
            else event_name
        end as step_name
    from events_sessionized
),

step_events as (
    select
        session_id,
        person_id,
        platform,
        event_number_in_session,
        step_name,
        -- after a collapse the step before a kept step is still the event before it (a repeat has its name)
        lag(step_name) over (partition by session_id order by event_number_in_session) as previous_step_name
    from session_events
    {%- if not include_track_events %}
    where event_type in ('page', 'screen')
    {%- endif %}
),

steps_kept as (
    select * from step_events
    {%- if collapse_repeats %}
        where previous_step_name is null or previous_step_name <> step_name
    {%- endif %}
),

final as (
    select
        session_id,
        person_id,
        coalesce(platform, 'unknown') as platform,
        cast(
            row_number() over (partition by session_id order by event_number_in_session) as {{ dbt.type_bigint() }}
        ) as step_number,
        cast(count(*) over (partition by session_id) as {{ dbt.type_bigint() }}) as count_session_steps,
        step_name,
        previous_step_name,
        event_number_in_session
    from steps_kept
)

select * from final
