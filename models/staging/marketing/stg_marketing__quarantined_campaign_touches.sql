with

validated_campaign_touches as (
    select * from {{ ref('base_marketing__validated_campaign_touches') }}
),

final as (
    {{ quarantined_rows('validated_campaign_touches', 'campaign_touches') }}
)

select * from final
