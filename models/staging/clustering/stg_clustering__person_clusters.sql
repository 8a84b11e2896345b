with

person_clusters as (
    select * from {{ source('clustering', 'person_clusters') }}
),

final as (
    select
        cast(person_id as {{ dbt.type_string() }}) as person_id,
        cast(cluster_key as {{ dbt.type_string() }}) as cluster_key,
        cast(cluster_number as {{ dbt.type_bigint() }}) as cluster_number,
        cast(distance_to_centroid as double) as distance_to_centroid
    from person_clusters
)

select * from final
