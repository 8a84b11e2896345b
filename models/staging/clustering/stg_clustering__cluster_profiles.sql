with

cluster_profiles as (
    select * from {{ source('clustering', 'cluster_profiles') }}
),

final as (
    select
        cast(cluster_key as {{ dbt.type_string() }}) as cluster_key,
        cast(cluster_number as {{ dbt.type_bigint() }}) as cluster_number,
        cast(cluster_name as {{ dbt.type_string() }}) as cluster_name,
        cast(count_persons as {{ dbt.type_bigint() }}) as count_persons,
        cast(share_of_persons as double) as share_of_persons,
        cast(feature_name as {{ dbt.type_string() }}) as feature_name,
        cast(feature_position as {{ dbt.type_bigint() }}) as feature_position,
        cast(feature_mean as double) as feature_mean,
        cast(standardized_mean as double) as standardized_mean,
        cast(overall_mean as double) as overall_mean,
        cast(share_with_value as double) as share_with_value
    from cluster_profiles
)

select * from final
