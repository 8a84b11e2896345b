with

validated_campaign_touches as (
    select * from {{ ref('base_marketing__validated_campaign_touches') }}
),

clean_campaign_touches as (
    select * from validated_campaign_touches
    where reason_code is null
),

final as (
    select
        touch_id,
        campaign_id,
        campaign_name,
        channel,
        user_id,
        crm_id,
        {{ hash_pii('normalized_phone') }} as phone_hash,
        has_invalid_phone,
        sent_at,
        {{ to_reporting_date('sent_at') }} as sent_date,
        opened_at,
        clicked_at,
        -- A click proves the message was opened even when the open itself was not tracked.
        opened_at is not null or clicked_at is not null as is_opened,
        clicked_at is not null as is_clicked,
        coupon_code,
        is_holdout,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_campaign_touches
)

select * from final
