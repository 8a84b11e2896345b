with

validated_products as (
    select * from {{ ref('base_products__validated_products') }}
),

final as (
    {{ quarantined_rows('validated_products', 'products') }}
)

select * from final
