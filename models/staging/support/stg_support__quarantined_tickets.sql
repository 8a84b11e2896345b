with

validated_tickets as (
    select * from {{ ref('base_support__validated_tickets') }}
),

final as (
    {{ quarantined_rows('validated_tickets', 'tickets') }}
)

select * from final
