{#- The events sessions are cut from, selected from `events` (a relation or CTE shaped like
    int_events_attributed): attributed to a person, on a reporting day up to the analysis date, not named
    in var passive_event_names (sent by the app or SDK, not by the person); the columns
    int_events_sessionized keeps, and event_fingerprint over all of them but event_id and person_id.
    One macro for int_events_sessionized and int_persons_resessionized, so that the change diff compares
    exactly the rows the sessionized model would write. -#}
{% macro active_events(events) -%}
    {%- set passive_event_names = "'" ~ var('passive_event_names') | join("', '") ~ "'" -%}
    {%- set fingerprinted_columns = [
        'event_at', 'event_date', 'event_type', 'event_name', 'event_category', 'is_page_view', 'page_name',
        'page_path', 'page_referrer', 'referrer_domain', 'campaign_source', 'campaign_medium', 'campaign_name',
        'platform', 'device_id', 'anonymous_id', 'user_id', 'os_name', 'app_version', 'properties',
    ] -%}
    select
        selected_events.*,
        {{ row_fingerprint(fingerprinted_columns) }} as event_fingerprint
    from (
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
        from {{ events }}
        where
            person_id is not null
            and event_date <= {{ as_of_date() }}
            and event_name not in ({{ passive_event_names }})
    ) as selected_events
{%- endmacro %}
