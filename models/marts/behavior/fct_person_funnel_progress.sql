{#- One row per funnel and person who reached its step 1 in the analysis range: how far their best attempt
    got (int_funnel_attempts_folded), when each of its steps happened (and step 1's reporting day), and where
    its step 1 session came from. -#}
{%- set max_steps = var('funnel_max_steps') | int %}

with

funnel_attempts_folded as (
    select * from {{ ref('int_funnel_attempts_folded') }}
),

funnel_steps as (
    select * from {{ ref('int_funnel_steps_parsed') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

funnels as (
    select
        funnel_key,
        count_funnel_steps
    from funnel_steps
    where step_number = 1
),

final as (
    select
        funnel_attempts_folded.funnel_key,
        funnel_attempts_folded.person_id,
        cast(funnel_attempts_folded.max_step_reached as {{ dbt.type_bigint() }}) as max_step_reached,
        cast(funnels.count_funnel_steps as {{ dbt.type_bigint() }}) as count_funnel_steps,
        funnel_attempts_folded.max_step_reached = funnels.count_funnel_steps as is_converted,
        {{ to_reporting_date('funnel_attempts_folded.step_1_at') }} as step_1_date,
        {% for step in range(1, max_steps + 1) -%}
            cast(funnel_attempts_folded.step_{{ step }}_at as {{ dbt.type_timestamp() }}) as step_{{ step }}_at,
        {% endfor -%}
        funnel_attempts_folded.first_step_session_id,
        sessions.platform as first_step_platform,
        sessions.channel as first_step_channel,
        funnel_attempts_folded.is_excluded
    from funnel_attempts_folded
    inner join funnels on funnel_attempts_folded.funnel_key = funnels.funnel_key
    left join sessions on funnel_attempts_folded.first_step_session_id = sessions.session_id
)

select * from final
