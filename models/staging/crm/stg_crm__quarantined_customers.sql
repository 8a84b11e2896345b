with

validated_customers as (
    select * from {{ ref('base_crm__validated_customers') }}
),

final as (
    {{ quarantined_rows('validated_customers', 'customers') }}
)

select * from final
