with

model_selection as (
    select * from {{ ref('stg_clustering__model_selection') }}
),

final as (
    select
        count_clusters,
        inertia,
        silhouette_score,
        is_chosen,
        seed,
        sample_size,
        count_persons,
        as_of_date,
        fitted_at
    from model_selection
)

select * from final
