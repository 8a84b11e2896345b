with

validated_tickets as (
    select * from {{ ref('base_support__validated_tickets') }}
),

clean_tickets as (
    select * from validated_tickets
    where reason_code is null
),

final as (
    select
        ticket_id,
        crm_id,
        user_id,
        {{ hash_pii('normalized_phone') }} as phone_hash,
        has_invalid_phone,
        created_at,
        {{ to_reporting_date('created_at') }} as created_date,
        resolved_at,
        {{ to_reporting_date('resolved_at') }} as resolved_date,
        resolved_at is not null as is_resolved,
        {{ dbt.datediff('created_at', 'resolved_at', 'second') }}
        / 3600.0 as resolution_hours,
        channel,
        category,
        csat_score,
        content,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_tickets
)

select * from final
