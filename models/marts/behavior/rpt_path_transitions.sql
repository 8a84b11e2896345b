{#- One row per platform ('all' and each platform), step position and pair of consecutive steps of session
    paths (int_path_steps_collapsed), framed by '$start' and '$end' markers: how often the transition was
    made and by how many persons. Paths are cut after var path_max_steps steps: a path that ends within the
    limit gets its '$end', a longer one keeps its first path_max_steps transitions and no '$end'. -#}
{%- set max_steps = var('path_max_steps') | int %}
{%- set min_transitions = var('path_min_transitions') | int %}

with

path_steps as (
    select * from {{ ref('int_path_steps_collapsed') }}
),

transitions as (
    select
        session_id,
        person_id,
        platform,
        step_number - 1 as step_index,
        coalesce(previous_step_name, '$start') as from_step,
        step_name as to_step
    from path_steps
    where step_number <= {{ max_steps }}
    union all
    select
        session_id,
        person_id,
        platform,
        step_number as step_index,
        step_name as from_step,
        '$end' as to_step
    from path_steps
    where step_number = count_session_steps and count_session_steps <= {{ max_steps }}
),

platform_transitions as (
    select
        platform,
        step_index,
        from_step,
        to_step,
        count(*) as count_transitions,
        count(distinct person_id) as count_persons
    from transitions
    group by platform, step_index, from_step, to_step
    union all
    select
        'all' as platform,
        step_index,
        from_step,
        to_step,
        count(*) as count_transitions,
        count(distinct person_id) as count_persons
    from transitions
    group by step_index, from_step, to_step
),

final as (
    select
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(step_index as {{ dbt.type_bigint() }}) as step_index,
        cast(from_step as {{ dbt.type_string() }}) as from_step,
        cast(to_step as {{ dbt.type_string() }}) as to_step,
        cast(count_transitions as {{ dbt.type_bigint() }}) as transitions,
        cast(count_persons as {{ dbt.type_bigint() }}) as persons
    from platform_transitions
    where count_transitions >= {{ min_transitions }}
)

select * from final
