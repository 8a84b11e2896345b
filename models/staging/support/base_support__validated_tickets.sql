{#- Every raw ticket row, typed, with the one reason it is rejected (null for clean rows).
    Holds raw personal data (phone, free-text content); only the stg_support__ models read it. -#}

{%- set ticket_fields = {
    'ticket_id': 'text', 'crm_id': 'text', 'phone': 'text', 'user_id': 'text', 'created_at': 'text',
    'resolved_at': 'text', 'channel': 'text', 'category': 'text', 'csat_score': 'text', 'content': 'text'
} -%}
{#- A ticket is exported again when it is resolved: the latest file version wins. -#}
{%- set latest_first = latest_file_version_first() -%}

with

raw_tickets as (
    select * from {{ source('support', 'tickets') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', ticket_fields) }} end as record
    from raw_tickets
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.ticket_id') }} as ticket_id,
        {{ clean_text('record.crm_id') }} as crm_id,
        {{ clean_text('record.user_id') }} as user_id,
        record.phone,
        {{ normalize_phone('record.phone') }} as normalized_phone,
        {{ is_unusable_value('record.phone', normalize_phone('record.phone')) }}
            as has_invalid_phone,
        nullif(trim(record.created_at), '') as raw_created_at,
        {{ parse_timestamp_utc('record.created_at') }} as created_at,
        nullif(trim(record.resolved_at), '') as raw_resolved_at,
        {{ parse_timestamp_utc('record.resolved_at') }} as resolved_at,
        lower({{ clean_text('record.channel') }}) as channel,
        {{ clean_text('record.category') }} as category,
        nullif(trim(record.csat_score), '') as raw_csat_score,
        {{ parse_integer('record.csat_score') }} as csat_score,
        nullif(trim(record.content), '') as content
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("ticket_id is null or raw_created_at is null", 'missing_required'),
            ("created_at is null or (raw_resolved_at is not null and resolved_at is null)", 'bad_timestamp'),
            ("raw_csat_score is not null and csat_score is null", 'type_mismatch'),
            ("csat_score not between 1 and 5 or resolved_at < created_at", 'invalid_value'),
        ]) }} as failing_check
    from typed
),

versioned as (
    select
        *,
        {{ mark_duplicates('ticket_id, failing_check is null', latest_first) }} as is_superseded,
        first_value(_raw_row_id) over (partition by ticket_id, failing_check is null order by {{ latest_first }})
            as latest_raw_row_id,
        first_value(payload) over (partition by ticket_id, failing_check is null order by {{ latest_first }})
            as latest_payload
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        ticket_id,
        crm_id,
        user_id,
        phone,
        normalized_phone,
        has_invalid_phone,
        created_at,
        resolved_at,
        channel,
        category,
        csat_score,
        content,
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
                        case when ticket_id is null then 'ticket_id' end,
                        case when raw_created_at is null then 'created_at' end
                    )
            when failing_check = 'bad_timestamp'
                then concat_ws(
                        '; ',
                        case when created_at is null then 'created_at ''' || raw_created_at || ''' is not a timestamp' end,
                        case
                            when raw_resolved_at is not null and resolved_at is null
                                then 'resolved_at ''' || raw_resolved_at || ''' is not a timestamp'
                        end
                    )
            when failing_check = 'type_mismatch'
                then 'csat_score ''' || raw_csat_score || ''' is not a whole number'
            when failing_check = 'invalid_value'
                then concat_ws(
                        '; ',
                        case
                            when csat_score not between 1 and 5 then 'csat_score ' || raw_csat_score || ' is not between 1 and 5'
                        end,
                        case when resolved_at < created_at then 'resolved_at is before created_at' end
                    )
            when is_superseded and payload = latest_payload
                then 'exact re-export of ticket ' || ticket_id || ' (kept ' || latest_raw_row_id || ')'
            when is_superseded
                then 'older version of ticket ' || ticket_id || ' (superseded by ' || latest_raw_row_id || ')'
        end as reason_detail
    from versioned
)

select * from final
