with

campaign_touches as (
    select * from {{ ref('stg_marketing__campaign_touches') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

persons_erased as (
    select * from {{ ref('int_persons_erased') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
-- Rows of persons named by an erasure request are dropped.
campaign_touches_ruled as (
    {{ attribute_by_identifiers(
        'campaign_touches',
        'identifiers_resolved',
        [('user_id', 'user_id'), ('crm_id', 'crm_id'), ('phone', 'phone_hash')],
        'persons_erased',
    ) }}
),

final as (
    select
        touch_id,
        campaign_id,
        campaign_name,
        channel,
        user_id,
        crm_id,
        phone_hash,
        has_invalid_phone,
        sent_at,
        sent_date,
        opened_at,
        clicked_at,
        is_opened,
        is_clicked,
        coupon_code,
        is_holdout,
        _raw_row_id,
        _load_id,
        _loaded_at,
        person_id,
        attribution_rule
    from campaign_touches_ruled
)

select * from final
