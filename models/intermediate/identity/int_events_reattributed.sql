{#- The stored rows of int_events_attributed that its next incremental build must delete and attribute
    again. Compares the current events (stg_events__events, with the identifier lookups of macro
    event_identities) with the rows that model stored in its previous build, on event_id: a stored row is
    stale when its event is gone, or has another staging_fingerprint (the staging row changed: a new file
    version, a re-parse, another copy kept) or identity_fingerprint (a person of its identifiers merged,
    split or erased; an identifier blocked, or shared or no longer). Events on a shared anonymous id or
    device are attributed by the nearest login on it, so every stored event of a shared identifier (shared
    now) with a changed, new or removed event is stale too. Rows written under other rules are the pre-hook's
    business (rules_fingerprint). New events need no row here: the model attributes every event without a
    stored row.

    The previous state is read through macro previous_relation (a ref would be a cycle). No previous table
    (first build) or --full-refresh: no row. A table built before the fingerprints existed: every stored
    row. dbt unit tests give the stored rows as `this` (input: this, format: sql). -#}
{%- set previous_attributed_events = none if flags.FULL_REFRESH else previous_relation('int_events_attributed') %}
{%- set stores_fingerprints = previous_attributed_events is string %}
{%- if execute and previous_attributed_events is not none and previous_attributed_events is not string %}
    {%- set stored_column_names = adapter.get_columns_in_relation(previous_attributed_events)
        | map(attribute='name') | map('lower') | list %}
    {%- set stores_fingerprints = 'identity_fingerprint' in stored_column_names %}
{%- endif %}

with

events as (
    select * from {{ ref('stg_events__events') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

identifier_links_checked as (
    select * from {{ ref('int_identifier_links_checked') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

{{ event_identities('events') }},

current_events as (
    select
        event_id,
        anonymous_id,
        device_id,
        is_shared_anonymous_id,
        is_shared_device_id,
        {{ row_fingerprint(attributed_event_columns('staging')) }} as staging_fingerprint,
        {{ row_fingerprint(attributed_event_columns('identity')) }} as identity_fingerprint
    from events_identified
),

stored_events as (
    {%- if previous_attributed_events is none %}
        select
            event_id,
            anonymous_id,
            device_id,
            staging_fingerprint,
            identity_fingerprint
        from current_events
        where 1 = 0
    {%- elif stores_fingerprints %}
        select
            event_id,
            anonymous_id,
            device_id,
            staging_fingerprint,
            identity_fingerprint
        from {{ previous_attributed_events }}
    {%- else %}
        select
            event_id,
            anonymous_id,
            device_id,
            cast(null as {{ dbt.type_string() }}) as staging_fingerprint,
            cast(null as {{ dbt.type_string() }}) as identity_fingerprint
        from {{ previous_attributed_events }}
    {%- endif %}
),

-- events on one side only, or on both with other fingerprints (null, a table without them, never matches)
changed_events as (
    select
        current_events.event_id as current_event_id,
        current_events.anonymous_id as current_anonymous_id,
        current_events.device_id as current_device_id,
        stored_events.event_id as stored_event_id,
        stored_events.anonymous_id as stored_anonymous_id,
        stored_events.device_id as stored_device_id
    from current_events
    full outer join stored_events
        on current_events.event_id = stored_events.event_id
    where
        current_events.event_id is null
        or stored_events.event_id is null
        or not coalesce(current_events.staging_fingerprint = stored_events.staging_fingerprint, false)
        or not coalesce(current_events.identity_fingerprint = stored_events.identity_fingerprint, false)
),

-- shared identifiers (shared now) with a changed event on either side: the nearest login of any of their
-- events may be another one now
shared_identifiers_touched as (
    select
        'anonymous_id' as identifier_type,
        changed_identifiers.identifier_value
    from (
        select current_anonymous_id as identifier_value from changed_events
        union
        select stored_anonymous_id as identifier_value from changed_events
    ) as changed_identifiers
    inner join shared_identifiers
        on
            shared_identifiers.identifier_type = 'anonymous_id'
            and changed_identifiers.identifier_value = shared_identifiers.identifier_value

    union

    select
        'device_id' as identifier_type,
        changed_identifiers.identifier_value
    from (
        select current_device_id as identifier_value from changed_events
        union
        select stored_device_id as identifier_value from changed_events
    ) as changed_identifiers
    inner join shared_identifiers
        on
            shared_identifiers.identifier_type = 'device_id'
            and changed_identifiers.identifier_value = shared_identifiers.identifier_value
),

stale_events as (
    select stored_event_id as event_id
    from changed_events
    where stored_event_id is not null

    union

    select stored_events.event_id
    from stored_events
    inner join shared_identifiers_touched
        on
            shared_identifiers_touched.identifier_type = 'anonymous_id'
            and stored_events.anonymous_id = shared_identifiers_touched.identifier_value

    union

    select stored_events.event_id
    from stored_events
    inner join shared_identifiers_touched
        on
            shared_identifiers_touched.identifier_type = 'device_id'
            and stored_events.device_id = shared_identifiers_touched.identifier_value
),

final as (
    select event_id
    from stale_events
)

select * from final
