with

validated_products as (
    select * from {{ ref('base_products__validated_products') }}
),

clean_products as (
    select * from validated_products
    where reason_code is null
),

final as (
    select
        sku,
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        _raw_row_id,
        _load_id,
        _loaded_at
    from clean_products
)

select * from final
