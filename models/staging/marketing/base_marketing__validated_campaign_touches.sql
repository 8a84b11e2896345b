{#- Every raw campaign touch row, typed, with the one reason it is rejected (null for clean rows).
    Holds the raw recipient phone; only the stg_marketing__ models read it. -#}

{%- set touch_fields = {
    'touch_id': 'text', 'campaign_id': 'text', 'campaign_name': 'text', 'channel': 'text', 'user_id': 'text',
    'crm_id': 'text', 'phone': 'text', 'sent_at': 'text', 'opened_at': 'text', 'clicked_at': 'text',
    'coupon_code': 'text', 'holdout': 'text'
} -%}
{#- A touch is exported again as it is opened and clicked: the latest file version wins. -#}
{%- set latest_first = latest_file_version_first() -%}

with

raw_campaign_touches as (
    select * from {{ source('marketing', 'campaign_touches') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', touch_fields) }} end as record
    from raw_campaign_touches
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.touch_id') }} as touch_id,
        {{ clean_text('record.campaign_id') }} as campaign_id,
        {{ clean_text('record.campaign_name') }} as campaign_name,
        lower({{ clean_text('record.channel') }}) as channel,
        {{ clean_text('record.user_id') }} as user_id,
        {{ clean_text('record.crm_id') }} as crm_id,
        record.phone,
        {{ normalize_phone('record.phone') }} as normalized_phone,
        {{ is_unusable_value('record.phone', normalize_phone('record.phone')) }}
            as has_invalid_phone,
        nullif(trim(record.sent_at), '') as raw_sent_at,
        {{ parse_timestamp_utc('record.sent_at') }} as sent_at,
        nullif(trim(record.opened_at), '') as raw_opened_at,
        {{ parse_timestamp_utc('record.opened_at') }} as opened_at,
        nullif(trim(record.clicked_at), '') as raw_clicked_at,
        {{ parse_timestamp_utc('record.clicked_at') }} as clicked_at,
        {{ clean_text('record.coupon_code') }} as coupon_code,
        nullif(trim(record.holdout), '') as raw_holdout,
        -- An absent flag is a sent touch; a present one that is not a boolean stays null (type_mismatch).
        case
            when nullif(trim(record.holdout), '') is null then false
            else {{ parse_boolean('record.holdout') }}
        end as is_holdout
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("touch_id is null or campaign_id is null or raw_sent_at is null", 'missing_required'),
            ("sent_at is null or (raw_opened_at is not null and opened_at is null)
              or (raw_clicked_at is not null and clicked_at is null)", 'bad_timestamp'),
            ("user_id is null and crm_id is null and normalized_phone is null", 'invalid_identifier'),
            ("sent_at > " ~ dbt.dateadd('minute', var('max_clock_skew_minutes'), '_loaded_at'), 'future_timestamp'),
            ("is_holdout is null", 'type_mismatch'),
            ("channel not in ('sms', 'push', 'email', 'wechat') or opened_at < sent_at or clicked_at < sent_at
              or (is_holdout and (opened_at is not null or clicked_at is not null))", 'invalid_value'),
        ]) }} as failing_check
    from typed
),

versioned as (
    select
        *,
        {{ mark_duplicates('touch_id, failing_check is null', latest_first) }} as is_superseded,
        first_value(_raw_row_id) over (partition by touch_id, failing_check is null order by {{ latest_first }})
            as latest_raw_row_id,
        first_value(payload) over (partition by touch_id, failing_check is null order by {{ latest_first }})
            as latest_payload
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        touch_id,
        campaign_id,
        campaign_name,
        channel,
        user_id,
        crm_id,
        phone,
        normalized_phone,
        has_invalid_phone,
        sent_at,
        opened_at,
        clicked_at,
        coupon_code,
        is_holdout,
        case
            when failing_check is not null then failing_check
            when is_superseded then 'duplicate'
        end as reason_code,
        case
            when failing_check = 'malformed_record' or _parse_error is not null
                then coalesce(_parse_error, 'not a JSON object')
            when failing_check = 'missing_required'
                then 'missing ' || concat_ws(
                        ', ',
                        case when touch_id is null then 'touch_id' end,
                        case when campaign_id is null then 'campaign_id' end,
                        case when raw_sent_at is null then 'sent_at' end
                    )
            when failing_check = 'bad_timestamp'
                then concat_ws(
                        '; ',
                        case when sent_at is null then 'sent_at ''' || raw_sent_at || ''' is not a timestamp' end,
                        case
                            when raw_opened_at is not null and opened_at is null
                                then 'opened_at ''' || raw_opened_at || ''' is not a timestamp'
                        end,
                        case
                            when raw_clicked_at is not null and clicked_at is null
                                then 'clicked_at ''' || raw_clicked_at || ''' is not a timestamp'
                        end
                    )
            when failing_check = 'invalid_identifier'
                then 'no recipient: neither user_id, crm_id nor a valid phone'
                    || case when has_invalid_phone then ' (phone is malformed)' else '' end
            when failing_check = 'future_timestamp'
                then 'sent_at later than the load time by more than {{ var("max_clock_skew_minutes") }} minutes'
            when failing_check = 'type_mismatch'
                then 'holdout ''' || raw_holdout || ''' is not a boolean'
            when failing_check = 'invalid_value'
                then concat_ws(
                        '; ',
                        case
                            when channel not in ('sms', 'push', 'email', 'wechat')
                                then 'channel ''' || channel || ''' is not sms, push, email or wechat'
                        end,
                        case when opened_at < sent_at then 'opened_at is before sent_at' end,
                        case when clicked_at < sent_at then 'clicked_at is before sent_at' end,
                        case
                            when is_holdout and (opened_at is not null or clicked_at is not null)
                                then 'a holdout record (never sent) cannot be opened or clicked'
                        end
                    )
            when is_superseded and payload = latest_payload
                then 'exact re-export of touch ' || touch_id || ' (kept ' || latest_raw_row_id || ')'
            when is_superseded
                then 'older version of touch ' || touch_id || ' (superseded by ' || latest_raw_row_id || ')'
        end as reason_detail
    from versioned
)

select * from final
