with

validated_erasure_requests as (
    select * from {{ ref('base_privacy__validated_erasure_requests') }}
),

clean_erasure_requests as (
    select * from validated_erasure_requests
    where reason_code is null
),

-- The identifier as the identity graph holds it: phones and emails only as keyed hashes. The free-text
-- note stays in the base model.
final as (
    select
        request_id,
        identifier_type,
        case
            when identifier_type in ('phone', 'email') then {{ hash_pii('normalized_identifier_value') }}
            else normalized_identifier_value
        end as identifier_value,
        requested_at,
        {{ to_reporting_date('requested_at') }} as requested_date,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_erasure_requests
)

select * from final
