with

validated_erasure_requests as (
    select * from {{ ref('base_privacy__validated_erasure_requests') }}
),

final as (
    {{ quarantined_rows('validated_erasure_requests', 'erasure_requests') }}
)

select * from final
