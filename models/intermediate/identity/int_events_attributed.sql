{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}
            {%- set stored_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
            delete from {{ this }}
            where
                event_id in (select event_id from {{ ref('int_events_reattributed') }})
                {%- if 'rules_fingerprint' in stored_columns %}
                or rules_fingerprint is null
                or rules_fingerprint <> {{ model_rules_fingerprint() }}
                {%- else %}
                or true
                {%- endif %}
            {% endif %}",
        ],
    )
}}
-- built first on every build, though read only by the pre-hook
-- depends_on: {{ ref('int_events_reattributed') }}

{#- Every clean event with the person it belongs to and the rule that decided it (see the .yml for the
    rule order). Anonymous events on a shared anonymous id or device go to the user logged in nearest in
    time on it: one ordered window pass per shared identifier, never a join of events against logins.

    Incremental, and always equal to a full rebuild. int_events_reattributed (built just before, from the
    previous state of this table) lists every stored event whose row is stale: gone from staging, another
    staging row (staging_fingerprint), other identifier lookups (identity_fingerprint: a person merged,
    split or erased, an identifier blocked or shared), or on a shared identifier one of whose events changed
    (the nearest login may be another). The pre-hook deletes those rows and every row written under other
    rules (rules_fingerprint: this SQL, its macros and the vars they read); the select attributes every
    current event that has no stored row left. The login windows are computed over every event of the shared
    identifiers (narrow columns), so a recomputed event sees all the logins near it. A failure between the
    delete and the insert heals on the next run: the deleted events have no stored row, so they are
    attributed again. Spark: Delta tables; on Parquet the model is a table (incremental_materialization). -#}
{%- set session_minutes = var('identity_shared_session_minutes') | int %}

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
{%- if is_incremental() %}

stored_events as (
    select event_id from {{ this }}
),
{%- endif %}

{% for identifier_type in ['anonymous_id', 'device_id'] %}
    -- One ordered pass over the events of each shared {{ identifier_type }}: every event carries the latest
    -- login (an event with a user_id) at or before it and the earliest login after it. Logins sort first
    -- among events of the same instant, so a login at the very instant of an event counts as "at or before".
    shared_{{ identifier_type }}_logins as (
        select
            event_id,
            event_at,
            {{ value_ignoring_nulls('last_value', 'login_at') }} over (
                partition by {{ identifier_type }}
                order by event_at, login_order, event_id
                rows between unbounded preceding and current row
            ) as previous_login_at,
            {{ value_ignoring_nulls('last_value', 'user_id') }} over (
                partition by {{ identifier_type }}
                order by event_at, login_order, event_id
                rows between unbounded preceding and current row
            ) as previous_login_user_id,
            {{ value_ignoring_nulls('first_value', 'login_at') }} over (
                partition by {{ identifier_type }}
                order by event_at, login_order, event_id
                rows between current row and unbounded following
            ) as next_login_at,
            {{ value_ignoring_nulls('first_value', 'user_id') }} over (
                partition by {{ identifier_type }}
                order by event_at, login_order, event_id
                rows between current row and unbounded following
            ) as next_login_user_id
        from (
            select
                event_id,
                event_at,
                {{ identifier_type }},
                user_id,
                case when user_id is not null then event_at end as login_at,
                case when user_id is not null then 0 else 1 end as login_order
            from events_identified
            where is_shared_{{ identifier_type }}
        ) as shared_events
    ),

    -- The nearest login within the session window decides, even when its user_id is blocked: the event
    -- then belongs to that (unknown) user, not to someone who logged in earlier or later.
    shared_{{ identifier_type }}_attributed as (
        select
            shared_{{ identifier_type }}_logins.event_id,
            login_user_ids.person_id,
            login_user_ids.is_person_erased
        from shared_{{ identifier_type }}_logins
        left join identifiers_flagged as login_user_ids
            on
                login_user_ids.identifier_type = 'user_id'
                and login_user_ids.identifier_value = case
                    when
                        shared_{{ identifier_type }}_logins.previous_login_at
                        >= {{ dbt.dateadd('minute', -session_minutes, 'shared_' ~ identifier_type ~ '_logins.event_at') }}
                        then shared_{{ identifier_type }}_logins.previous_login_user_id
                    when
                        shared_{{ identifier_type }}_logins.next_login_at
                        <= {{ dbt.dateadd('minute', session_minutes, 'shared_' ~ identifier_type ~ '_logins.event_at') }}
                        then shared_{{ identifier_type }}_logins.next_login_user_id
                end
    ),

{% endfor %}
-- the events to attribute: all of them on a full build, else those without a stored row (new, or deleted as
-- stale by the pre-hook)
events_to_attribute as (
    select events_identified.*
    from events_identified
    {%- if is_incremental() %}
    left join stored_events
        on events_identified.event_id = stored_events.event_id
    where stored_events.event_id is null
    {%- endif %}
),

events_ruled as (
    select
        events_to_attribute.*,
        shared_anonymous_id_attributed.person_id as shared_anonymous_id_person_id,
        shared_device_id_attributed.person_id as shared_device_id_person_id,
        shared_anonymous_id_attributed.is_person_erased as is_shared_anonymous_id_person_erased,
        shared_device_id_attributed.is_person_erased as is_shared_device_id_person_erased,
        case
            when events_to_attribute.user_person_id is not null then 'user_id'
            when
                events_to_attribute.anonymous_person_id is not null
                and not events_to_attribute.is_shared_anonymous_id
                then 'anonymous_id'
            when
                events_to_attribute.device_person_id is not null
                and not events_to_attribute.is_shared_device_id
                then 'device_id'
            when shared_anonymous_id_attributed.person_id is not null then 'shared_anonymous_id_by_time'
            when shared_device_id_attributed.person_id is not null then 'shared_device_id_by_time'
            when
                events_to_attribute.is_shared_anonymous_id
                or events_to_attribute.is_shared_device_id
                then 'unattributed_shared_identifier'
            when
                events_to_attribute.user_id is not null
                or events_to_attribute.anonymous_id is not null
                or events_to_attribute.device_id is not null
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from events_to_attribute
    left join shared_anonymous_id_attributed
        on events_to_attribute.event_id = shared_anonymous_id_attributed.event_id
    left join shared_device_id_attributed
        on events_to_attribute.event_id = shared_device_id_attributed.event_id
),

-- Every staging column but ip_address: raw personal data stays in staging. The fingerprints tell the next
-- build which rows are stale (int_events_reattributed, the pre-hook).
final as (
    select
        {%- for column_name in attributed_event_columns('staging') %}
            {{ column_name }},
        {%- endfor %}
        case attribution_rule
            when 'user_id' then user_person_id
            when 'anonymous_id' then anonymous_person_id
            when 'device_id' then device_person_id
            when 'shared_anonymous_id_by_time' then shared_anonymous_id_person_id
            when 'shared_device_id_by_time' then shared_device_id_person_id
        end as person_id,
        attribution_rule,
        {{ row_fingerprint(attributed_event_columns('staging')) }} as staging_fingerprint,
        {{ row_fingerprint(attributed_event_columns('identity')) }} as identity_fingerprint,
        {{ model_rules_fingerprint() }} as rules_fingerprint
    from events_ruled
    -- Rows of persons named by an erasure request go entirely: kept unattributed, they would still carry the
    -- person's anonymous_id and device_id.
    where
        not has_erased_identifier
        and not (attribution_rule = 'shared_anonymous_id_by_time' and is_shared_anonymous_id_person_erased)
        and not (attribution_rule = 'shared_device_id_by_time' and is_shared_device_id_person_erased)
)

select * from final
