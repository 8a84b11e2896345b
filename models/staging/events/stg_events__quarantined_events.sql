with

validated_events as (
    select * from {{ ref('base_events__validated_events') }}
),

final as (
    {{ quarantined_rows('validated_events', 'events') }}
)

select * from final
