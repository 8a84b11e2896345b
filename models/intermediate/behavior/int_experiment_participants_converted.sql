{#- One row per experiment and exposed person: the first exposure (event var experiment_exposure_event with
    properties experiment_id and variation_id) decides the variation; persons seen in two variations are
    flagged, not dropped (the report excludes them). A person converts with the first goal event at or after
    the first exposure and less than var experiment_conversion_window_days after it. Goal events join only
    the exposed person's own goal events (no join of events against events of other persons). -#}
{%- set window_days = var('experiment_conversion_window_days') | int %}

with

events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

exposures as (
    select
        person_id,
        event_at,
        {{ json_text('properties', 'experiment_id') }} as experiment_id,
        {{ json_text('properties', 'variation_id') }} as variation_id
    from events_sessionized
    where event_name = '{{ var("experiment_exposure_event") }}'
),

participants as (
    select
        experiment_id,
        person_id,
        min(event_at) as first_exposed_at,
        -- Two variations at the very same instant make count_variations 2, so the tie never decides a count.
        min_by(variation_id, event_at) as variation_id,
        count(distinct variation_id) as count_variations
    from exposures
    where experiment_id is not null and variation_id is not null
    group by experiment_id, person_id
),

goal_events as (
    select
        person_id,
        event_at
    from events_sessionized
    where event_name = '{{ var("experiment_goal_event") }}'
),

conversions as (
    select
        participants.experiment_id,
        participants.person_id,
        min(goal_events.event_at) as converted_at
    from participants
    inner join goal_events
        on
            participants.person_id = goal_events.person_id
            and participants.first_exposed_at <= goal_events.event_at
            and goal_events.event_at < {{ dbt.dateadd('day', window_days, 'participants.first_exposed_at') }}
    group by participants.experiment_id, participants.person_id
),

final as (
    select
        participants.experiment_id,
        participants.person_id,
        participants.variation_id,
        participants.first_exposed_at,
        {{ to_reporting_date('participants.first_exposed_at') }} as first_exposed_date,
        participants.count_variations,
        participants.count_variations > 1 as is_in_multiple_variations,
        conversions.converted_at,
        conversions.converted_at is not null as is_converted
    from participants
    left join conversions
        on
            participants.experiment_id = conversions.experiment_id
            and participants.person_id = conversions.person_id
)

select * from final
