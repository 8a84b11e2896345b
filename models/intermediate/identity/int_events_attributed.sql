{#- Every clean event with the person it belongs to and the rule that decided it (see the .yml for the
    rule order). Anonymous events on a shared anonymous id or device go to the user logged in nearest in
    time on it: one ordered window pass per shared identifier, never a join of events against logins. -#}
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

-- each identifier with whether its person is named by an erasure request
identifiers_flagged as (
    select
        identifiers_resolved.*,
        persons_erased.person_id is not null as is_person_erased
    from identifiers_resolved
    left join persons_erased
        on identifiers_resolved.person_id = persons_erased.person_id
),

-- An anonymous id or device is shared when the link_limit rule dropped its links to user ids: it logged
-- in as more users than one person has, so none of those logins says whose its anonymous events are.
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
        events.*,
        user_ids.person_id as user_person_id,
        anonymous_ids.person_id as anonymous_person_id,
        devices.person_id as device_person_id,
        shared_anonymous_ids.identifier_value is not null as is_shared_anonymous_id,
        shared_devices.identifier_value is not null as is_shared_device_id,
        coalesce(user_ids.is_person_erased or anonymous_ids.is_person_erased or devices.is_person_erased, false)
            as has_erased_identifier
    from events
    left join identifiers_flagged as user_ids
        on
            user_ids.identifier_type = 'user_id'
            and events.user_id = user_ids.identifier_value
    left join identifiers_flagged as anonymous_ids
        on
            anonymous_ids.identifier_type = 'anonymous_id'
            and events.anonymous_id = anonymous_ids.identifier_value
    left join identifiers_flagged as devices
        on
            devices.identifier_type = 'device_id'
            and events.device_id = devices.identifier_value
    left join shared_identifiers as shared_anonymous_ids
        on
            shared_anonymous_ids.identifier_type = 'anonymous_id'
            and events.anonymous_id = shared_anonymous_ids.identifier_value
    left join shared_identifiers as shared_devices
        on
            shared_devices.identifier_type = 'device_id'
            and events.device_id = shared_devices.identifier_value
),

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
events_ruled as (
    select
        events_identified.*,
        shared_anonymous_id_attributed.person_id as shared_anonymous_id_person_id,
        shared_device_id_attributed.person_id as shared_device_id_person_id,
        shared_anonymous_id_attributed.is_person_erased as is_shared_anonymous_id_person_erased,
        shared_device_id_attributed.is_person_erased as is_shared_device_id_person_erased,
        case
            when events_identified.user_person_id is not null then 'user_id'
            when
                events_identified.anonymous_person_id is not null
                and not events_identified.is_shared_anonymous_id
                then 'anonymous_id'
            when
                events_identified.device_person_id is not null
                and not events_identified.is_shared_device_id
                then 'device_id'
            when shared_anonymous_id_attributed.person_id is not null then 'shared_anonymous_id_by_time'
            when shared_device_id_attributed.person_id is not null then 'shared_device_id_by_time'
            when
                events_identified.is_shared_anonymous_id
                or events_identified.is_shared_device_id
                then 'unattributed_shared_identifier'
            when
                events_identified.user_id is not null
                or events_identified.anonymous_id is not null
                or events_identified.device_id is not null
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from events_identified
    left join shared_anonymous_id_attributed
        on events_identified.event_id = shared_anonymous_id_attributed.event_id
    left join shared_device_id_attributed
        on events_identified.event_id = shared_device_id_attributed.event_id
),

-- Every staging column but ip_address: raw personal data stays in staging.
final as (
    select
        event_id,
        event_type,
        event_name,
        event_category,
        page_name,
        anonymous_id,
        user_id,
        previous_id,
        device_id,
        platform,
        os_name,
        app_version,
        page_url,
        page_path,
        page_referrer,
        page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        user_agent,
        locale,
        properties,
        traits,
        trait_email_hash,
        trait_email_domain,
        trait_phone_hash,
        has_invalid_trait_email,
        has_invalid_trait_phone,
        trait_gender,
        trait_birth_date,
        trait_city,
        trait_province,
        trait_country,
        trait_wechat_openid,
        trait_wechat_unionid,
        trait_crm_id,
        trait_member_id,
        event_at,
        sent_at,
        received_at,
        event_date,
        _raw_row_id,
        _load_id,
        _loaded_at,
        case attribution_rule
            when 'user_id' then user_person_id
            when 'anonymous_id' then anonymous_person_id
            when 'device_id' then device_person_id
            when 'shared_anonymous_id_by_time' then shared_anonymous_id_person_id
            when 'shared_device_id_by_time' then shared_device_id_person_id
        end as person_id,
        attribution_rule
    from events_ruled
    -- Rows of persons named by an erasure request go entirely: kept unattributed, they would still carry the
    -- person's anonymous_id and device_id.
    where
        not has_erased_identifier
        and not (attribution_rule = 'shared_anonymous_id_by_time' and is_shared_anonymous_id_person_erased)
        and not (attribution_rule = 'shared_device_id_by_time' and is_shared_device_id_person_erased)
)

select * from final
