{#- One row per funnel, breakdown and step: persons who reached at least the step (their best attempt,
    fct_person_funnel_progress; persons an exclusion event took out of the funnel count nowhere; any_order
    funnels count distinct steps, so their step k is labelled 'k steps completed'), conversion from step 1 and from the step before, and the median time from the
    step before among them. Breakdowns: 'all', and the platform and the channel of the session of the best
    attempt's step 1, so every person counts once per breakdown dimension. Every breakdown value seen at step 1
    gets every step, with 0 persons where nobody got there. Person-segment breakdowns come with the tag system. -#}
{%- set max_steps = var('funnel_max_steps') | int %}

with

-- a person an exclusion event took out of the funnel counts at no step of it (fct_person_funnel_progress keeps the row)
person_funnel_progress as (
    select * from {{ ref('fct_person_funnel_progress') }}
    where not is_excluded
),

funnel_steps as (
    select * from {{ ref('int_funnel_steps_parsed') }}
),

breakdowns as (
    select
        funnel_key,
        person_id,
        'all' as breakdown_dimension,
        'all' as breakdown_value,
        max_step_reached
    from person_funnel_progress

    union all

    select
        funnel_key,
        person_id,
        'platform' as breakdown_dimension,
        coalesce(first_step_platform, 'unknown') as breakdown_value,
        max_step_reached
    from person_funnel_progress

    union all

    select
        funnel_key,
        person_id,
        'channel' as breakdown_dimension,
        coalesce(first_step_channel, 'unknown') as breakdown_value,
        max_step_reached
    from person_funnel_progress
),

breakdown_values as (
    select distinct
        funnel_key,
        breakdown_dimension,
        breakdown_value
    from breakdowns
),

-- one row per person and step they reached, with the seconds since their previous step
person_steps as (
    select
        person_funnel_progress.funnel_key,
        person_funnel_progress.person_id,
        funnel_steps.step_number,
        case funnel_steps.step_number
            {% for step in range(2, max_steps + 1) -%}
                when {{ step }} then {{ seconds_between(
                    'person_funnel_progress.step_' ~ (step - 1) ~ '_at',
                    'person_funnel_progress.step_' ~ step ~ '_at'
                ) }}
            {% endfor -%}
        end as seconds_from_previous_step
    from person_funnel_progress
    inner join funnel_steps
        on
            person_funnel_progress.funnel_key = funnel_steps.funnel_key
            and person_funnel_progress.max_step_reached >= funnel_steps.step_number
),

step_totals as (
    select
        breakdowns.funnel_key,
        breakdowns.breakdown_dimension,
        breakdowns.breakdown_value,
        person_steps.step_number,
        count(*) as persons,
        {{ median_of('person_steps.seconds_from_previous_step') }} as median_seconds_from_previous_step
    from breakdowns
    inner join person_steps
        on
            breakdowns.funnel_key = person_steps.funnel_key
            and breakdowns.person_id = person_steps.person_id
    group by breakdowns.funnel_key, breakdowns.breakdown_dimension, breakdowns.breakdown_value, person_steps.step_number
),

spine as (
    select
        breakdown_values.funnel_key,
        funnel_steps.funnel_name,
        breakdown_values.breakdown_dimension,
        breakdown_values.breakdown_value,
        funnel_steps.step_number,
        case
            when funnel_steps.order_mode = 'any_order' and funnel_steps.step_number = 1
                then '1 step completed'
            when funnel_steps.order_mode = 'any_order'
                then cast(funnel_steps.step_number as {{ dbt.type_string() }}) || ' steps completed'
            else funnel_steps.step_name
        end as step_name,
        coalesce(step_totals.persons, 0) as persons,
        step_totals.median_seconds_from_previous_step
    from breakdown_values
    inner join funnel_steps on breakdown_values.funnel_key = funnel_steps.funnel_key
    left join step_totals
        on
            breakdown_values.funnel_key = step_totals.funnel_key
            and breakdown_values.breakdown_dimension = step_totals.breakdown_dimension
            and breakdown_values.breakdown_value = step_totals.breakdown_value
            and funnel_steps.step_number = step_totals.step_number
),

final as (
    select
        funnel_key,
        funnel_name,
        breakdown_dimension,
        breakdown_value,
        cast(step_number as {{ dbt.type_bigint() }}) as step_number,
        step_name,
        cast(persons as {{ dbt.type_bigint() }}) as persons,
        cast(
            persons * cast(1 as double) / nullif(
                max(case when step_number = 1 then persons end) over (
                    partition by funnel_key, breakdown_dimension, breakdown_value
                ),
                0
            ) as double
        ) as conversion_rate_from_first_step,
        cast(
            persons * cast(1 as double) / nullif(
                lag(persons) over (
                    partition by funnel_key, breakdown_dimension, breakdown_value order by step_number
                ),
                0
            ) as double
        ) as conversion_rate_from_previous_step,
        cast(median_seconds_from_previous_step as double) as median_seconds_from_previous_step
    from spine
)

select * from final
