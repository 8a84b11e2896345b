with

cluster_profiles as (
    select * from {{ ref('stg_clustering__cluster_profiles') }}
),

final as (
    select
        cluster_key,
        cluster_number,
        cluster_name,
        count_persons,
        share_of_persons,
        feature_name,
        feature_position,
        feature_mean,
        overall_mean,
        -- 1.5 reads "50% above everybody's mean": the figure BI puts on a cluster card.
        case
            when overall_mean <> 0 then feature_mean / overall_mean
        end as feature_mean_ratio,
        standardized_mean,
        share_with_value,
        {{ as_of_date() }} as as_of_date
    from cluster_profiles
)

select * from final
