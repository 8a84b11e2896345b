{#- The CTEs that look up each event's identifiers, for int_events_attributed and int_events_reattributed
    (one text, so the change list compares exactly what the attribution reads). Expects the import CTEs
    identifiers_resolved, identifier_links_checked and persons_erased; `events` names a CTE shaped like
    stg_events__events. Defines:
    - identifiers_flagged: each resolved identifier with whether its person is named by an erasure request;
    - shared_identifiers: anonymous ids and devices whose links to user ids the link_limit rule dropped
      (logged in as more users than one person has: their links say nothing about whose their events are);
    - events_identified: every event with the person (and erased flag) of its user_id, anonymous_id and
      device_id, whether the anonymous_id and device_id are shared, and has_erased_identifier. -#}
{% macro event_identities(events) -%}
identifiers_flagged as (
    select
        identifiers_resolved.*,
        persons_erased.person_id is not null as is_person_erased
    from identifiers_resolved
    left join persons_erased
        on identifiers_resolved.person_id = persons_erased.person_id
),

shared_identifiers as (
    select
        identifier_a_type as identifier_type,
        identifier_a_value as identifier_value
    from identifier_links_checked
    where
        drop_rule = 'link_limit'
        and identifier_a_type in ('anonymous_id', 'device_id')
        and identifier_b_type = 'user_id'

    union

    select
        identifier_b_type as identifier_type,
        identifier_b_value as identifier_value
    from identifier_links_checked
    where
        drop_rule = 'link_limit'
        and identifier_b_type in ('anonymous_id', 'device_id')
        and identifier_a_type = 'user_id'
),

events_identified as (
    select
        identified_events.*,
        coalesce(
            identified_events.is_user_person_erased
            or identified_events.is_anonymous_person_erased
            or identified_events.is_device_person_erased,
            false
        ) as has_erased_identifier
    from (
        select
            {{ events }}.*,
            user_ids.person_id as user_person_id,
            user_ids.is_person_erased as is_user_person_erased,
            anonymous_ids.person_id as anonymous_person_id,
            anonymous_ids.is_person_erased as is_anonymous_person_erased,
            devices.person_id as device_person_id,
            devices.is_person_erased as is_device_person_erased,
            shared_anonymous_ids.identifier_value is not null as is_shared_anonymous_id,
            shared_devices.identifier_value is not null as is_shared_device_id
        from {{ events }}
        left join identifiers_flagged as user_ids
            on
                user_ids.identifier_type = 'user_id'
                and {{ events }}.user_id = user_ids.identifier_value
        left join identifiers_flagged as anonymous_ids
            on
                anonymous_ids.identifier_type = 'anonymous_id'
                and {{ events }}.anonymous_id = anonymous_ids.identifier_value
        left join identifiers_flagged as devices
            on
                devices.identifier_type = 'device_id'
                and {{ events }}.device_id = devices.identifier_value
        left join shared_identifiers as shared_anonymous_ids
            on
                shared_anonymous_ids.identifier_type = 'anonymous_id'
                and {{ events }}.anonymous_id = shared_anonymous_ids.identifier_value
        left join shared_identifiers as shared_devices
            on
                shared_devices.identifier_type = 'device_id'
                and {{ events }}.device_id = shared_devices.identifier_value
    ) as identified_events
)
{%- endmacro %}
