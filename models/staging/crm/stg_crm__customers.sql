with

customer_versions as (
    select * from {{ ref('stg_crm__customer_versions') }}
),

final as (
    select
        crm_id,
        updated_at,
        member_id,
        phone_hash,
        has_invalid_phone,
        email_hash,
        email_domain,
        has_invalid_email,
        full_name_hash,
        gender,
        birth_date,
        province,
        city,
        registered_at,
        registered_date,
        member_tier,
        is_marketing_opt_in,
        is_deleted,
        _raw_row_id,
        _load_id,
        _loaded_at
    from customer_versions
    where is_latest_version
)

select * from final
