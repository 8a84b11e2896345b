{#- Every raw customer version, typed, with the one reason it is rejected (null for clean versions).
    Holds raw personal data (phone, email, name); only the stg_crm__ models read it, and they keep hashes only. -#}

{%- set customer_fields = {
    'crm_id': 'text', 'member_id': 'text', 'phone': 'text', 'email': 'text', 'full_name': 'text',
    'gender': 'text', 'birth_date': 'text', 'province': 'text', 'city': 'text', 'registered_at': 'text',
    'member_tier': 'text', 'marketing_opt_in': 'text', 'updated_at': 'text', 'is_deleted': 'text'
} -%}
{#- Versions are told apart by updated_at; the same crm_id + updated_at twice is one version exported twice,
    and the first copy in file order is kept (undated files count as the oldest). -#}
{%- set file_order = '_file_date asc nulls first, _file_path asc, _row_number asc' -%}

with

raw_customers as (
    select * from {{ source('crm', 'customers') }}
),

parsed as (
    select
        *,
        case when {{ is_json_object('payload') }} then {{ json_to_struct('payload', customer_fields) }} end as record
    from raw_customers
),

typed as (
    select
        {{ raw_lineage_columns() }},
        record is not null as is_json_object,
        {{ clean_text('record.crm_id') }} as crm_id,
        {{ clean_text('record.member_id') }} as member_id,
        record.phone,
        {{ normalize_phone('record.phone') }} as normalized_phone,
        {{ is_unusable_value('record.phone', normalize_phone('record.phone')) }}
            as has_invalid_phone,
        record.email,
        {{ normalize_email('record.email') }} as normalized_email,
        {{ is_unusable_value('record.email', normalize_email('record.email')) }}
            as has_invalid_email,
        record.full_name,
        {{ normalize_name('record.full_name') }} as normalized_full_name,
        {{ normalize_gender('record.gender') }} as gender,
        nullif(trim(record.birth_date), '') as raw_birth_date,
        {{ parse_date('record.birth_date') }} as birth_date,
        {{ clean_text('record.province') }} as province,
        {{ clean_text('record.city') }} as city,
        nullif(trim(record.registered_at), '') as raw_registered_at,
        {{ parse_timestamp_utc('record.registered_at') }} as registered_at,
        lower({{ clean_text('record.member_tier') }}) as member_tier,
        nullif(trim(record.marketing_opt_in), '') as raw_marketing_opt_in,
        {{ parse_boolean('record.marketing_opt_in') }} as is_marketing_opt_in,
        nullif(trim(record.is_deleted), '') as raw_is_deleted,
        {{ parse_boolean('record.is_deleted') }} as is_deleted,
        nullif(trim(record.updated_at), '') as raw_updated_at,
        {{ parse_timestamp_utc('record.updated_at') }} as updated_at
    from parsed
),

checked as (
    select
        *,
        {{ first_failing_reason(raw_reader_checks() + [
            ("_parse_error is not null or not is_json_object", 'malformed_record'),
            ("crm_id is null or raw_updated_at is null", 'missing_required'),
            ("updated_at is null or (raw_registered_at is not null and registered_at is null)", 'bad_timestamp'),
            ("updated_at > " ~ dbt.dateadd('minute', var('max_clock_skew_minutes'), '_loaded_at'), 'future_timestamp'),
            ("(raw_birth_date is not null and birth_date is null)
              or (raw_marketing_opt_in is not null and is_marketing_opt_in is null)
              or (raw_is_deleted is not null and is_deleted is null)", 'type_mismatch'),
        ]) }} as failing_check
    from typed
),

deduplicated as (
    select
        *,
        {{ mark_duplicates('crm_id, updated_at, failing_check is null', file_order) }} as is_repeated,
        first_value(_raw_row_id) over (
            partition by crm_id, updated_at, failing_check is null order by {{ file_order }}
        ) as first_raw_row_id
    from checked
),

final as (
    select
        {{ raw_lineage_columns() }},
        crm_id,
        updated_at,
        member_id,
        phone,
        normalized_phone,
        has_invalid_phone,
        email,
        normalized_email,
        has_invalid_email,
        full_name,
        normalized_full_name,
        gender,
        birth_date,
        province,
        city,
        registered_at,
        member_tier,
        is_marketing_opt_in,
        is_deleted,
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
                        case when crm_id is null then 'crm_id' end,
                        case when raw_updated_at is null then 'updated_at' end
                    )
            when failing_check = 'bad_timestamp'
                then concat_ws(
                        '; ',
                        case when updated_at is null then 'updated_at ''' || raw_updated_at || ''' is not a timestamp' end,
                        case
                            when raw_registered_at is not null and registered_at is null
                                then 'registered_at ''' || raw_registered_at || ''' is not a timestamp'
                        end
                    )
            when failing_check = 'future_timestamp'
                then 'updated_at later than the load time by more than {{ var("max_clock_skew_minutes") }} minutes'
            when failing_check = 'type_mismatch'
                then concat_ws(
                        '; ',
                        case
                            when raw_birth_date is not null and birth_date is null
                                then 'birth_date ''' || raw_birth_date || ''' is not a YYYY-MM-DD date'
                        end,
                        case
                            when raw_marketing_opt_in is not null and is_marketing_opt_in is null
                                then 'marketing_opt_in ''' || raw_marketing_opt_in || ''' is not true/false/1/0/yes/no'
                        end,
                        case
                            when raw_is_deleted is not null and is_deleted is null
                                then 'is_deleted ''' || raw_is_deleted || ''' is not true/false/1/0/yes/no'
                        end
                    )
            when is_repeated
                then 'version of ' || crm_id || ' at updated_at ' || raw_updated_at
                    || ' already exported (kept ' || first_raw_row_id || ')'
        end as reason_detail
    from deduplicated
)

select * from final
