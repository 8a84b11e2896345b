with

validated_customers as (
    select * from {{ ref('base_crm__validated_customers') }}
),

clean_versions as (
    select * from validated_customers
    where reason_code is null
),

final as (
    select
        crm_id,
        updated_at,
        lead(updated_at) over (partition by crm_id order by updated_at) as superseded_at,
        lead(updated_at) over (partition by crm_id order by updated_at) is null as is_latest_version,
        member_id,
        {{ hash_pii('normalized_phone') }} as phone_hash,
        has_invalid_phone,
        {{ hash_pii('normalized_email') }} as email_hash,
        {{ email_domain('normalized_email') }} as email_domain,
        has_invalid_email,
        {{ hash_pii('normalized_full_name') }} as full_name_hash,
        gender,
        birth_date,
        province,
        city,
        registered_at,
        {{ to_reporting_date('registered_at') }} as registered_date,
        member_tier,
        -- Consent must be explicit: a version that does not say is not an opt-in.
        coalesce(is_marketing_opt_in, false) as is_marketing_opt_in,
        coalesce(is_deleted, false) as is_deleted,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_versions
)

select * from final
