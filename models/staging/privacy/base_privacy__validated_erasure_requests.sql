{#- Every raw erasure request row, typed, with the one reason it is rejected (null for clean rows).
    Holds the requested identifier in clear (a phone, an email) and the free-text note; only the
    stg_privacy__ models read it. Reason details never repeat the identifier value. -#}

{%- set request_fields = {
    'request_id': 'text', 'identifier_type': 'text', 'identifier_value': 'text', 'requested_at': 'text',
    'note': 'text'
} -%}
{#- The identifier types of the identity graph: a request can only name what the graph can hold. -#}
{%- set identifier_types = identifier_slots() | map(attribute='type') | unique | list -%}
{#- A request is immutable: the same request_id exported again is a copy, and the first copy in file order
    is kept (undated files count as the oldest). -#}
{%- set file_order = '_file_date asc nulls first, _file_path asc, _row_number asc' -%}

with

raw_erasure_requests as (
    select * from {{ source('privacy', 'erasure_requests') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', request_fields) }} end as record
    from raw_erasure_requests
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.request_id') }} as request_id,
        lower({{ clean_text('record.identifier_type') }}) as identifier_type,
        record.identifier_value,
        {{ clean_text('record.identifier_value') }} as cleaned_identifier_value,
        nullif(trim(record.requested_at), '') as raw_requested_at,
        {{ parse_timestamp_utc('record.requested_at') }} as requested_at,
        nullif(trim(record.note), '') as note
    from parsed
),

-- phones and emails in the graph's normal form (then hashed in stg_privacy__erasure_requests), other
-- identifiers trimmed as every source's identifiers are
normalized as (
    select
        *,
        case identifier_type
            when 'phone' then {{ normalize_phone('cleaned_identifier_value') }}
            when 'email' then {{ normalize_email('cleaned_identifier_value') }}
            else cleaned_identifier_value
        end as normalized_identifier_value
    from typed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("request_id is null or identifier_type is null or cleaned_identifier_value is null
              or raw_requested_at is null", 'missing_required'),
            ("requested_at is null", 'bad_timestamp'),
            ("identifier_type not in ('" ~ identifier_types | join("', '") ~ "')
              or normalized_identifier_value is null", 'invalid_identifier'),
        ]) }} as failing_check
    from normalized
),

deduplicated as (
    select
        *,
        {{ mark_duplicates('request_id, failing_check is null', file_order) }} as is_repeated,
        first_value(_raw_row_id) over (
            partition by request_id, failing_check is null order by {{ file_order }}
        ) as first_raw_row_id
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        request_id,
        identifier_type,
        identifier_value,
        normalized_identifier_value,
        requested_at,
        note,
        case
            when failing_check is not null then failing_check
            when is_repeated then 'duplicate'
        end as reason_code,
        case
            when failing_check = 'malformed_record' or _parse_error is not null
                then coalesce(_parse_error, 'not a JSON object')
            when failing_check = 'missing_required'
                then 'missing ' || concat_ws(
                        ', ',
                        case when request_id is null then 'request_id' end,
                        case when identifier_type is null then 'identifier_type' end,
                        case when cleaned_identifier_value is null then 'identifier_value' end,
                        case when raw_requested_at is null then 'requested_at' end
                    )
            when failing_check = 'bad_timestamp'
                then 'requested_at ''' || raw_requested_at || ''' is not a timestamp'
            -- the value itself is personal data: the detail names its type only
            when failing_check = 'invalid_identifier' and identifier_type in ('phone', 'email')
                then 'identifier_value is not a valid ' || identifier_type
            when failing_check = 'invalid_identifier'
                then 'unknown identifier_type ''' || identifier_type || ''''
            when is_repeated
                then 'request ' || request_id || ' already exported (kept ' || first_raw_row_id || ')'
        end as reason_detail
    from deduplicated
)

select * from final
