{#- One row per experiment and variation: persons exposed and converted (int_experiment_participants_converted;
    persons seen in two variations and testers left out of every count), and each variation against the control
    (var experiment_control_variation): absolute lift with an unpooled normal (Wald) interval, relative lift
    with a log risk-ratio (Katz) interval, and a two-sided pooled two-proportion z-test. Statistics are
    rounded to 6 decimals; z of the intervals is var confidence_interval_z. -#}
{%- set z = var('confidence_interval_z') %}

with

experiment_participants as (
    select * from {{ ref('int_experiment_participants_converted') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

-- Testers (persons linked to a blocked identifier such as a test account) are not part of any experiment.
participants as (
    select
        experiment_participants.*,
        coalesce(persons.is_linked_to_blocked_identifier, false) as is_tester
    from experiment_participants
    left join persons
        on experiment_participants.person_id = persons.person_id
),

exclusions as (
    select
        experiment_id,
        sum(case when is_tester then 1 else 0 end) as persons_excluded_as_testers,
        sum(case when not is_tester and is_in_multiple_variations then 1 else 0 end) as persons_in_multiple_variations
    from participants
    group by experiment_id
),

variations as (
    select
        experiment_id,
        variation_id,
        count(*) as persons_exposed,
        sum(case when is_converted then 1 else 0 end) as persons_converted
    from participants
    where not is_tester and not is_in_multiple_variations
    group by experiment_id, variation_id
),

rates as (
    select
        experiment_id,
        variation_id,
        variation_id = '{{ var("experiment_control_variation") }}' as is_control,
        persons_exposed,
        persons_converted,
        cast(persons_converted as double) / persons_exposed as conversion_rate
    from variations
),

compared as (
    select
        rates.*,
        control.persons_exposed as control_persons_exposed,
        control.persons_converted as control_persons_converted,
        control.conversion_rate as control_conversion_rate,
        cast(rates.persons_converted + control.persons_converted as double)
        / (rates.persons_exposed + control.persons_exposed) as pooled_rate
    from rates
    left join rates as control
        on
            rates.experiment_id = control.experiment_id
            and control.is_control
            and not rates.is_control
),

lifts as (
    select
        *,
        conversion_rate - control_conversion_rate as absolute_lift,
        sqrt(
            conversion_rate * (1 - conversion_rate) / persons_exposed
            + control_conversion_rate * (1 - control_conversion_rate) / control_persons_exposed
        ) as absolute_lift_standard_error,
        case
            when control_conversion_rate > 0 then conversion_rate / control_conversion_rate - 1
        end as relative_lift,
        -- Standard error of ln(rate / control rate); undefined when either arm has no conversion.
        case
            when persons_converted > 0 and control_persons_converted > 0
                then sqrt(
                        1.0 / persons_converted - 1.0 / persons_exposed
                        + 1.0 / control_persons_converted - 1.0 / control_persons_exposed
                    )
        end as log_ratio_standard_error,
        case
            when pooled_rate > 0 and pooled_rate < 1
                then (conversion_rate - control_conversion_rate) / sqrt(
                        pooled_rate * (1 - pooled_rate) * (1.0 / persons_exposed + 1.0 / control_persons_exposed)
                    )
        end as z_score
    from compared
),

tested as (
    select
        *,
        -- Two-sided p-value = 2 * P(Z <= -|z|): the lower tail, no 1 - (almost 1) cancellation.
        -abs(z_score) as negative_abs_z_score
    from lifts
),

final as (
    select
        tested.experiment_id,
        tested.variation_id,
        tested.is_control,
        cast(tested.persons_exposed as {{ dbt.type_bigint() }}) as persons_exposed,
        cast(tested.persons_converted as {{ dbt.type_bigint() }}) as persons_converted,
        cast(round(tested.conversion_rate, 6) as double) as conversion_rate,
        cast(round(tested.absolute_lift, 6) as double) as absolute_lift,
        cast(round(
            tested.absolute_lift - {{ z }} * tested.absolute_lift_standard_error, 6
        ) as double) as absolute_lift_ci_lower,
        cast(round(
            tested.absolute_lift + {{ z }} * tested.absolute_lift_standard_error, 6
        ) as double) as absolute_lift_ci_upper,
        cast(round(tested.relative_lift, 6) as double) as relative_lift,
        cast(round(
            (tested.relative_lift + 1) * exp(-{{ z }} * tested.log_ratio_standard_error) - 1, 6
        ) as double) as relative_lift_ci_lower,
        cast(round(
            (tested.relative_lift + 1) * exp({{ z }} * tested.log_ratio_standard_error) - 1, 6
        ) as double) as relative_lift_ci_upper,
        cast(round(2 * {{ normal_cdf('tested.negative_abs_z_score') }}, 6) as double) as p_value,
        cast(exclusions.persons_in_multiple_variations as {{ dbt.type_bigint() }}) as persons_in_multiple_variations,
        cast(exclusions.persons_excluded_as_testers as {{ dbt.type_bigint() }}) as persons_excluded_as_testers
    from tested
    inner join exclusions
        on tested.experiment_id = exclusions.experiment_id
)

select * from final
