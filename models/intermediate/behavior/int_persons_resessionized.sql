{#- The persons whose sessions the next incremental build of int_events_sessionized recomputes, and from
    when. Compares the current active events (macro active_events, the same selection the sessionized
    model cuts) with the rows that model stored in its previous build, on event_id: an event is changed
    when it is on one side only, or on both with another person_id or event_fingerprint. A person's first
    change is the earliest of: their changed events (at the current time on the current side, at the
    stored time on the stored side, so an event that moved to another person or time touches both ends),
    their first event on a reporting day in the lookback window (from var refresh_from_date, empty: the
    analysis date minus var refresh_lookback_days), and, when the stored rows were cut by other session
    rules (rules_fingerprint), their first stored event. Everything before that first change is the same
    on both sides, so the start of the last stored visit before it still starts a visit: recompute from
    there (null when no stored event precedes it: the whole history).

    The previous state is read through macro previous_relation (adapter.get_relation: a ref would be a
    cycle). No previous table (first build) or --full-refresh: every current person from the start. A table
    built before event_fingerprint existed counts as changed everywhere. dbt unit tests give the stored
    rows as `this` (input: this, format: sql), which previous_relation returns inside a unit test. -#}
{%- set previous_sessionized_events = none if flags.FULL_REFRESH else previous_relation('int_events_sessionized') %}
{%- set stores_fingerprints = previous_sessionized_events is string %}
{%- if execute and previous_sessionized_events is not none and previous_sessionized_events is not string %}
    {%- set stored_column_names = adapter.get_columns_in_relation(previous_sessionized_events)
        | map(attribute='name') | map('lower') | list %}
    {%- set stores_fingerprints = 'event_fingerprint' in stored_column_names %}
{%- endif %}
{%- set refresh_from_date = (var('refresh_from_date') or '') | string | trim %}
{#- outside the branch: the model's dependencies stay the same whichever branch the vars pick #}
{%- set as_of_date_sql = as_of_date() %}
{%- if refresh_from_date and refresh_from_date != 'None' %}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', refresh_from_date) %}
        {{ exceptions.raise_compiler_error("refresh_from_date must be YYYY-MM-DD, got '" ~ refresh_from_date ~ "'") }}
    {%- endif %}
    {%- set refresh_from_date_sql = "cast('" ~ refresh_from_date ~ "' as date)" %}
{%- else %}
    {%- set refresh_from_date_sql = 'cast(' ~ dbt.dateadd('day', -(var('refresh_lookback_days') | int), as_of_date_sql)
        ~ ' as date)' %}
{%- endif %}

with

events as (
    select * from {{ ref('int_events_attributed') }}
),

current_events as (
    {{ active_events('events') }}
),

stored_events as (
    {%- if previous_sessionized_events is none %}
        select
            event_id,
            person_id,
            event_at,
            event_at as visit_started_at,
            event_fingerprint,
            event_fingerprint as rules_fingerprint
        from current_events
        where 1 = 0
    {%- elif stores_fingerprints %}
        select
            event_id,
            person_id,
            event_at,
            visit_started_at,
            event_fingerprint,
            rules_fingerprint
        from {{ previous_sessionized_events }}
    {%- else %}
        select
            event_id,
            person_id,
            event_at,
            cast(null as {{ dbt.type_timestamp() }}) as visit_started_at,
            cast(null as {{ dbt.type_string() }}) as event_fingerprint,
            cast(null as {{ dbt.type_string() }}) as rules_fingerprint
        from {{ previous_sessionized_events }}
    {%- endif %}
),

changed_events as (
    select
        current_events.person_id as current_person_id,
        current_events.event_at as current_event_at,
        stored_events.person_id as stored_person_id,
        stored_events.event_at as stored_event_at
    from current_events
    full outer join stored_events
        on current_events.event_id = stored_events.event_id
    where
        current_events.event_id is null
        or stored_events.event_id is null
        or current_events.person_id <> stored_events.person_id
        or current_events.event_fingerprint is distinct from stored_events.event_fingerprint
),

change_points as (
    select
        current_person_id as person_id,
        current_event_at as changed_at,
        true as is_change
    from changed_events
    where current_person_id is not null

    union all

    select
        stored_person_id as person_id,
        stored_event_at as changed_at,
        true as is_change
    from changed_events
    where stored_person_id is not null

    union all

    select
        person_id,
        event_at as changed_at,
        true as is_change
    from stored_events
    where rules_fingerprint is distinct from {{ session_rules_fingerprint() }}

    union all

    -- the lookback window: a safety margin, recomputed whether or not anything changed
    select
        person_id,
        event_at as changed_at,
        false as is_change
    from current_events
    where event_date >= {{ refresh_from_date_sql }}
),

first_change_points as (
    select
        person_id,
        min(changed_at) as first_changed_at,
        {{ dbt.bool_or('is_change') }} as has_changes
    from change_points
    group by person_id
),

final as (
    select
        first_change_points.person_id,
        first_change_points.first_changed_at,
        max(stored_events.visit_started_at) as recompute_from_at,
        first_change_points.has_changes
    from first_change_points
    left join stored_events
        on
            first_change_points.person_id = stored_events.person_id
            and first_change_points.first_changed_at > stored_events.event_at
    group by first_change_points.person_id, first_change_points.first_changed_at, first_change_points.has_changes
)

select * from final
