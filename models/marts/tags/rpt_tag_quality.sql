{#- One row per tag of the catalog at the analysis date: coverage and value statistics (from dim_tag_catalog),
    the spread of number tags, and stability against the previous refresh from fct_person_tag_history, with
    each measure judged against its bounds (the tag's own in the catalog, else the vars). -#}
with

tag_catalog as (
    select * from {{ ref('dim_tag_catalog') }}
),

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

tag_history as (
    select * from {{ ref('fct_person_tag_history') }}
),

history_dates as (
    select valid_from as refresh_date from tag_history
    union
    select valid_to as refresh_date from tag_history
),

previous_refresh as (
    select max(refresh_date) as previous_refresh_date
    from history_dates
    where refresh_date < {{ as_of_date() }}
),

refresh_dates as (
    select
        {{ as_of_date() }} as analysis_date,
        previous_refresh_date
    from previous_refresh
),

-- each value a person held on the previous refresh date or holds now, and on which of the two dates
values_compared as (
    select
        tag_history.tag_code,
        tag_history.person_id,
        tag_history.tag_value,
        {{ dbt.bool_or(is_valid_on('refresh_dates.previous_refresh_date', 'tag_history')) }} as was_held,
        {{ dbt.bool_or(is_valid_on('refresh_dates.analysis_date', 'tag_history')) }} as is_held
    from tag_history
    cross join refresh_dates
    where
        tag_history.valid_from <= refresh_dates.analysis_date
        and (tag_history.valid_to is null or tag_history.valid_to > refresh_dates.previous_refresh_date)
    group by tag_history.tag_code, tag_history.person_id, tag_history.tag_value
),

-- a person changed when the set of values differs between the two dates
persons_compared as (
    select
        tag_code,
        person_id,
        {{ dbt.bool_or('was_held <> is_held') }} as has_changed
    from values_compared
    group by tag_code, person_id
),

tag_stability as (
    select
        tag_code,
        count(*) as count_persons_tagged_either,
        count(case when has_changed then 1 end) as count_persons_changed
    from persons_compared
    group by tag_code
),

number_spreads as (
    select
        tag_code,
        min(tag_number) as min_number,
        {{ percentile_of('tag_number', 0.25) }} as p25_number,
        {{ median_of('tag_number') }} as median_number,
        {{ percentile_of('tag_number', 0.75) }} as p75_number,
        max(tag_number) as max_number
    from person_tags
    where value_type = 'number'
    group by tag_code
),

measured as (
    select
        tag_catalog.tag_code,
        tag_catalog.category,
        tag_catalog.value_type,
        tag_catalog.count_persons,
        tag_catalog.count_persons_tagged,
        tag_catalog.coverage_share,
        tag_catalog.count_distinct_values,
        tag_catalog.top_value,
        tag_catalog.top_value_share,
        cast(number_spreads.min_number as double) as min_number,
        cast(number_spreads.p25_number as double) as p25_number,
        cast(number_spreads.median_number as double) as median_number,
        cast(number_spreads.p75_number as double) as p75_number,
        cast(number_spreads.max_number as double) as max_number,
        refresh_dates.analysis_date,
        refresh_dates.previous_refresh_date,
        -- stability is judged for tags that keep history, from the second refresh on
        case
            when tag_catalog.keep_history and refresh_dates.previous_refresh_date is not null
                then cast(coalesce(tag_stability.count_persons_changed, 0) as {{ dbt.type_bigint() }})
        end as count_persons_changed,
        case
            when tag_catalog.keep_history and refresh_dates.previous_refresh_date is not null
                then cast(tag_stability.count_persons_changed / tag_stability.count_persons_tagged_either as double)
        end as changed_share,
        cast(coalesce(tag_catalog.min_coverage, {{ var('tag_quality_min_coverage') }}) as double) as min_coverage,
        cast(
            coalesce(tag_catalog.max_changed_share, {{ var('tag_quality_max_changed_share') }}) as double
        ) as max_changed_share
    from tag_catalog
    cross join refresh_dates
    left join tag_stability
        on tag_catalog.tag_code = tag_stability.tag_code
    left join number_spreads
        on tag_catalog.tag_code = number_spreads.tag_code
),

judged as (
    select
        *,
        coverage_share < min_coverage as is_coverage_out_of_bounds,
        changed_share > max_changed_share as is_stability_out_of_bounds
    from measured
),

final as (
    select
        tag_code,
        category,
        value_type,
        count_persons,
        count_persons_tagged,
        coverage_share,
        count_distinct_values,
        top_value,
        top_value_share,
        min_number,
        p25_number,
        median_number,
        p75_number,
        max_number,
        previous_refresh_date,
        count_persons_changed,
        changed_share,
        min_coverage,
        max_changed_share,
        is_coverage_out_of_bounds,
        is_stability_out_of_bounds,
        case
            when is_coverage_out_of_bounds and is_stability_out_of_bounds then 'low_coverage_and_unstable'
            when is_coverage_out_of_bounds then 'low_coverage'
            when is_stability_out_of_bounds then 'unstable'
        end as quality_flag,
        analysis_date as as_of_date
    from judged
)

select * from final
