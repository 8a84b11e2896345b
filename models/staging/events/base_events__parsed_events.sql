{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=[
            "{% if is_incremental() %}
            delete from {{ this }} as parsed_events
            where parsed_events.rules_fingerprint <> {{ model_rules_fingerprint() }}
                or not exists (
                    select 1
                    from (select distinct _file_path, _load_id from {{ source('events', 'events') }}) as loaded_versions
                    where loaded_versions._file_path = parsed_events._file_path
                        and loaded_versions._load_id = parsed_events._load_id
                )
            {% endif %}",
        ],
    )
}}

{#- Every raw tracking call, parsed once and typed, with the first rule it breaks (check_reason_code, null
    for calls that pass every rule; duplicates are found in base_events__validated_events, which reads this).
    Holds raw personal data: only the events staging models read it.

    Incremental and always equal to a full rebuild: everything here depends on the raw row alone (and on the
    rules), so a raw row is parsed once. A build parses the rows of the file versions the table does not hold
    yet (a new or re-delivered file gets a new _load_id in the raw ingest); the pre-hook first deletes the rows
    of file versions no longer in raw.events (replaced or removed files) and the rows written under other
    rules (rules_fingerprint: this SQL, the macros it calls, the event_dictionary seed and the vars they read). A failure between the delete and the insert heals on the next run: the deleted versions are
    parsed again. Spark: Delta tables (SPARK_FILE_FORMAT=delta); on Parquet the model is a table
    (incremental_materialization). -#}

{%- set call_fields = {
    'type': 'text', 'messageId': 'text', 'anonymousId': 'text', 'userId': 'text', 'previousId': 'text',
    'event': 'text', 'name': 'text', 'properties': 'json', 'traits': 'json',
    'timestamp': 'text', 'sentAt': 'text', 'receivedAt': 'text',
    'context': {
        'device': {'id': 'text'}, 'os': {'name': 'text'}, 'app': {'version': 'text'},
        'page': {'url': 'text', 'path': 'text', 'referrer': 'text', 'title': 'text'},
        'campaign': {'source': 'text', 'medium': 'text', 'name': 'text'},
        'ip': 'text', 'userAgent': 'text', 'locale': 'text', 'platform': 'text'
    }
} -%}
{%- set trait_fields = {
    'email': 'text', 'phone': 'text', 'gender': 'text', 'birthday': 'text', 'city': 'text',
    'province': 'text', 'country': 'text', 'wechat_openid': 'text', 'wechat_unionid': 'text',
    'crm_id': 'text', 'member_id': 'text'
} -%}
{%- set personal_trait_keys = ['email', 'phone', 'name', 'first_name', 'last_name', 'full_name', 'address'] -%}


with

raw_events as (
    select * from {{ source('events', 'events') }}
),

-- incremental: only the rows of file versions not parsed yet
new_raw_events as (
    select raw_events.*
    from raw_events
    {%- if is_incremental() %}
        where not exists (
            select 1
            from (select distinct _file_path, _load_id from {{ this }}) as parsed_versions
            where parsed_versions._file_path = raw_events._file_path
                and parsed_versions._load_id = raw_events._load_id
        )
    {%- endif %}
),

event_dictionary as (
    select * from {{ ref('event_dictionary') }}
),

-- The tracking plan is a lookup, not data: joining it here is how a call is validated.
dictionary_rules as (
    {{ event_dictionary_rules('event_dictionary') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', call_fields) }} end as call
    from new_raw_events
),

typed as (
    select
        {{ raw_lineage_columns() }},
        call is not null as is_json_object,
        {{ clean_text('call.messageId') }} as event_id,
        lower(trim(call.type)) as event_type,
        {{ clean_text('call.event') }} as track_event_name,
        {{ clean_text('call.name') }} as page_name,
        {{ clean_text('call.anonymousId') }} as anonymous_id,
        {{ clean_text('call.userId') }} as user_id,
        {{ clean_text('call.previousId') }} as previous_id,
        {{ clean_text('call.context.device.id') }} as device_id,
        coalesce(
            lower({{ clean_text('call.context.platform') }}),
            case
                when lower(call.context.os.name) in ('ios', 'ipados') then 'ios'
                when lower(call.context.os.name) = 'android' then 'android'
                when call.context.page.url is not null then 'web'
            end
        ) as platform,
        {{ clean_text('call.context.os.name') }} as os_name,
        {{ clean_text('call.context.app.version') }} as app_version,
        {{ clean_text('call.context.page.url') }} as page_url,
        {{ clean_text('call.context.page.path') }} as page_path,
        {{ clean_text('call.context.page.referrer') }} as page_referrer,
        {{ clean_text('call.context.page.title') }} as page_title,
        lower({{ clean_text('call.context.campaign.source') }}) as campaign_source,
        lower({{ clean_text('call.context.campaign.medium') }}) as campaign_medium,
        {{ clean_text('call.context.campaign.name') }} as campaign_name,
        {{ clean_text('call.context.ip') }} as ip_address,
        {{ clean_text('call.context.userAgent') }} as user_agent,
        {{ clean_text('call.context.locale') }} as locale,
        coalesce(call.properties, '{}') as properties,
        call.traits as raw_traits,
        case when call.traits is not null then {{ json_to_struct('call.traits', trait_fields) }} end as trait,
        call.timestamp as raw_timestamp,
        call.receivedAt as raw_received_at,
        {{ parse_timestamp_utc('call.timestamp') }} as event_at,
        {{ parse_timestamp_utc('call.sentAt') }} as sent_at,
        {{ parse_timestamp_utc('call.receivedAt') }} as received_at
    from parsed
),

dictionary_checked as (
    select
        typed.*,
        dictionary_rules.event_category as dictionary_event_category,
        case
            when typed.event_type = 'track' then {{ event_dictionary_violation('typed.properties') }}
        end as dictionary_violation,
        case
            when typed.event_type = 'track' then {{ event_dictionary_violation('typed.properties', part='detail') }}
        end as dictionary_violation_detail
    from typed
    left join dictionary_rules
        on typed.track_event_name = dictionary_rules.dictionary_event_name
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object or event_id is null
              or coalesce(event_type, '') not in ('track', 'page', 'screen', 'identify', 'alias')
              or (event_type = 'track' and track_event_name is null)", 'malformed_record'),
            ("event_at is null or (raw_received_at is not null and received_at is null)", 'bad_timestamp'),
            ("(anonymous_id is null and user_id is null)
              or (event_type = 'alias' and (previous_id is null or user_id is null))", 'invalid_identifier'),
            ("event_at > " ~ dbt.dateadd('minute', var('max_clock_skew_minutes'), 'coalesce(received_at, _loaded_at)'), 'future_timestamp'),
            ("coalesce(received_at, _loaded_at) > " ~ dbt.dateadd('day', var('max_event_lateness_days'), 'event_at'), 'too_late'),
            (is_bot_user_agent('user_agent'), 'bot_traffic'),
            ("dictionary_violation is not null", 'dictionary'),
        ]) }} as failing_check
    from dictionary_checked
),

final as (
    select
        *,
        case
            when failing_check = 'dictionary' then dictionary_violation
            else failing_check
        end as check_reason_code,
        case
            when failing_check = 'dictionary' then track_event_name || ': ' || dictionary_violation_detail
            when failing_check = 'malformed_record' or _parse_error is not null
                then coalesce(
                        _parse_error,
                        case when not is_json_object then 'not a JSON object' end,
                        case when event_id is null then 'messageId missing' end,
                        'type missing or unknown, or track call without event'
                    )
            when failing_check = 'bad_timestamp'
                then 'timestamp ' || coalesce('"' || raw_timestamp || '"', 'missing')
                    || ', receivedAt ' || coalesce('"' || raw_received_at || '"', 'missing')
            when failing_check = 'invalid_identifier'
                then 'neither anonymousId nor userId (alias: previousId and userId)'
            when failing_check = 'future_timestamp'
                then 'timestamp later than receivedAt by more than {{ var("max_clock_skew_minutes") }} minutes'
            when failing_check = 'too_late'
                then 'received more than {{ var("max_event_lateness_days") }} days after the timestamp'
            when failing_check = 'bot_traffic' then 'user agent: ' || user_agent
        end as check_reason_detail,
        {{ model_rules_fingerprint() }} as rules_fingerprint
    from checked
)

select * from final
