with

model_selection as (
    select * from {{ source('clustering', 'model_selection') }}
),

final as (
    select
        cast(k as {{ dbt.type_bigint() }}) as count_clusters,
        cast(inertia as double) as inertia,
        cast(silhouette_score as double) as silhouette_score,
        cast(is_chosen as boolean) as is_chosen,
        cast(seed as {{ dbt.type_bigint() }}) as seed,
        cast(sample_size as {{ dbt.type_bigint() }}) as sample_size,
        cast(count_persons as {{ dbt.type_bigint() }}) as count_persons,
        cast(as_of_date as date) as as_of_date,
        cast(fitted_at as {{ dbt.type_timestamp() }}) as fitted_at
    from model_selection
)

select * from final
