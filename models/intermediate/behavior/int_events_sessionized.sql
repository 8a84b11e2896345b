{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}
            delete from {{ this }} as stored_events where exists (
                select 1 from {{ ref('int_persons_resessionized') }} as persons_resessionized
                where persons_resessionized.person_id = stored_events.person_id
                    and (
                        persons_resessionized.recompute_from_at is null
                        or stored_events.event_at >= persons_resessionized.recompute_from_at
                    )
            )
            {% endif %}",
        ],
    )
}}
-- built first on every build, though read only by the incremental path and the pre-hook
-- depends_on: {{ ref('int_persons_resessionized') }}

{#- Every active, attributed event up to the analysis date with the session it belongs to. A session is a
    person's run of events without a pause of session_timeout_minutes or more (a visit), cut again at each
    full session_max_hours after the visit's first event. Window passes over each person's events in time
    order; no join of events against events.

    Incremental, and always equal to a full rebuild. What happened before a visit starts decides nothing
    after it, so a person's sessions can be recomputed from the start of any of their visits.
    int_persons_resessionized (built just before, from the previous state of this table) lists every person
    whose events changed in any way since this table was written (new, late, corrected, moved to another
    person, erased, past a moved analysis date, other session rules) or who was active in the lookback
    window, with recompute_from_at: the start of the last stored visit before the person's first change
    (null: the whole history). The pre-hook deletes those persons' rows from that moment on; the select
    below cuts their current events from that moment on exactly as a full build does, the first one
    starting a visit (it does: recompute_from_at is a visit start, and nothing before it changed). A
    failure between the delete and the insert heals on the next run: the deleted rows are missing from the
    stored state, so the diff lists their persons again. Spark: Delta tables (SPARK_FILE_FORMAT=delta,
    whose DELETE accepts the EXISTS subquery); on Parquet the model is a table (incremental_materialization). -#}
{%- set timeout_seconds = var('session_timeout_minutes') | int * 60 %}
{%- set max_seconds = var('session_max_hours') | int * 3600 %}

with

events as (
    select * from {{ ref('int_events_attributed') }}
),
{%- if is_incremental() %}

persons_resessionized as (
    select * from {{ ref('int_persons_resessionized') }}
),

-- only the events to cut again: those of the listed persons from their recompute_from_at on
events_resessionized as (
    select events.*
    from events
    inner join persons_resessionized
        on events.person_id = persons_resessionized.person_id
    where
        persons_resessionized.recompute_from_at is null
        or events.event_at >= persons_resessionized.recompute_from_at
),
{%- endif %}

active_events as (
    {{ active_events('events_resessionized' if is_incremental() else 'events') }}
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

-- the visit's start, not its number: numbers restart in an incremental build, starts do not
visit_starts as (
    select
        *,
        min(event_at) over (partition by person_id, visit_number) as visit_started_at
    from visits
),

visit_parts as (
    select
        *,
        floor({{ seconds_between('visit_started_at', 'event_at') }} / {{ max_seconds }}) as visit_part
    from visit_starts
),

sessions as (
    select
        *,
        first_value(event_id) over (
            partition by person_id, visit_started_at, visit_part order by event_at, event_id
        ) as session_first_event_id,
        min(event_at) over (partition by person_id, visit_started_at, visit_part) as session_started_at,
        row_number() over (
            partition by person_id, visit_started_at, visit_part order by event_at, event_id
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
        properties,
        visit_started_at,
        event_fingerprint,
        {{ session_rules_fingerprint() }} as rules_fingerprint
    from sessions
)

select * from final
