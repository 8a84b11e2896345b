{#- One row per funnel step of seeds/funnel_definitions.csv, with the funnel's settings (given on its step 1
    row) on every step and the conversion window in seconds. A definition the funnel models cannot run
    fails the build here, naming the funnel and the problem. -#}
{%- set max_steps = var('funnel_max_steps') | int %}
{%- set default_window = var('funnel_default_conversion_window') | string | trim | lower %}
{%- set problem_message = dbt.concat(["'funnel_definitions: funnel '", 'funnel_key', "' '", 'definition_problem']) %}

with

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

first_steps as (
    select
        funnel_key,
        nullif(trim(funnel_name), '') as funnel_name,
        lower(coalesce(nullif(trim(conversion_window), ''), '{{ default_window }}')) as conversion_window,
        lower(coalesce(nullif(trim(order_mode), ''), 'sequential')) as order_mode,
        coalesce(within_session, false) as is_within_session,
        nullif(trim(exclusion_event_names), '') as exclusion_event_names
    from funnel_definitions
    where step_number = 1
),

funnel_shapes as (
    select
        funnel_key,
        count(*) as count_funnel_steps,
        min(step_number) as min_step_number,
        max(step_number) as max_step_number,
        count(distinct step_number) as count_step_numbers,
        count(distinct event_name) as count_event_names,
        sum(
            case
                when
                    step_number > 1
                    and {{ dbt.concat([
                        "coalesce(trim(funnel_name), '')",
                        "coalesce(trim(conversion_window), '')",
                        "coalesce(trim(order_mode), '')",
                        "coalesce(cast(within_session as " ~ dbt.type_string() ~ "), '')",
                        "coalesce(trim(exclusion_event_names), '')",
                    ]) }} <> ''
                    then 1
                else 0
            end
        ) as count_settings_after_step_1
    from funnel_definitions
    group by funnel_key
),

windows as (
    select
        funnel_key,
        {{ try_cast_as("regexp_extract(conversion_window, '^([0-9]+) *(minute|hour|day)s?$', 1)", dbt.type_bigint()) }}
            as window_amount,
        regexp_extract(conversion_window, '^([0-9]+) *(minute|hour|day)s?$', 2) as window_unit
    from first_steps
),

exclusions as (
    select
        funnel_key,
        trim(exclusion_event_name) as exclusion_event_name
    from (
        select
            funnel_key,
            {{ split_to_rows('exclusion_event_names', ';') }} as exclusion_event_name
        from first_steps
        where exclusion_event_names is not null
    ) as split_names
),

exclusions_on_steps as (
    select
        exclusions.funnel_key,
        count(*) as count_exclusions_on_steps
    from exclusions
    inner join funnel_definitions
        on
            exclusions.funnel_key = funnel_definitions.funnel_key
            and exclusions.exclusion_event_name = funnel_definitions.event_name
    group by exclusions.funnel_key
),

steps as (
    select
        funnel_definitions.funnel_key,
        coalesce(first_steps.funnel_name, funnel_definitions.funnel_key) as funnel_name,
        funnel_definitions.step_number,
        coalesce(nullif(trim(funnel_definitions.step_name), ''), funnel_definitions.event_name) as step_name,
        funnel_definitions.event_name,
        nullif(trim(funnel_definitions.property_filter), '') as property_filter,
        funnel_shapes.count_funnel_steps,
        first_steps.conversion_window,
        windows.window_amount * case windows.window_unit
            when 'minute' then 60
            when 'hour' then 3600
            when 'day' then 86400
        end as conversion_window_seconds,
        first_steps.order_mode,
        first_steps.is_within_session,
        first_steps.exclusion_event_names,
        case
            when first_steps.funnel_key is null then 'has no step 1'
            when funnel_shapes.min_step_number <> 1
                or funnel_shapes.max_step_number <> funnel_shapes.count_funnel_steps
                or funnel_shapes.count_step_numbers <> funnel_shapes.count_funnel_steps
                then 'step numbers must be 1, 2, ... without gaps or repeats'
            when funnel_shapes.count_funnel_steps > {{ max_steps }}
                then 'has more steps than var funnel_max_steps ({{ max_steps }})'
            when windows.window_amount is null or windows.window_amount <= 0
                then 'conversion_window must be like ''14 days'', ''2 hours'' or ''30 minutes'''
            when first_steps.order_mode not in ('sequential', 'strict', 'any_order')
                then 'order_mode must be sequential, strict or any_order'
            when first_steps.order_mode = 'any_order'
                and funnel_shapes.count_event_names <> funnel_shapes.count_funnel_steps
                then 'an any_order funnel needs a different event_name on every step'
            when coalesce(exclusions_on_steps.count_exclusions_on_steps, 0) > 0
                then 'an exclusion event cannot also be a step'
            when funnel_shapes.count_settings_after_step_1 > 0
                then 'funnel settings go on the step 1 row only'
            when funnel_definitions.event_name is null then 'a step has no event_name'
            when funnel_definitions.property_filter is not null
                and nullif(trim(funnel_definitions.property_filter), '') is not null
                and not {{ matches_pattern('funnel_definitions.property_filter', '^[^=&]+=[^&]*(&[^=&]+=[^&]*)*$') }}
                then 'property_filter must be key=value pairs joined by &'
        end as definition_problem
    from funnel_definitions
    inner join funnel_shapes on funnel_definitions.funnel_key = funnel_shapes.funnel_key
    left join first_steps on funnel_definitions.funnel_key = first_steps.funnel_key
    left join windows on funnel_definitions.funnel_key = windows.funnel_key
    left join exclusions_on_steps on funnel_definitions.funnel_key = exclusions_on_steps.funnel_key
),

final as (
    select
        funnel_key,
        funnel_name,
        cast(step_number as {{ dbt.type_bigint() }}) as step_number,
        step_name,
        event_name,
        property_filter,
        cast(count_funnel_steps as {{ dbt.type_bigint() }}) as count_funnel_steps,
        conversion_window,
        cast(
            case
                when definition_problem is not null
                    then {{ raise_error(problem_message) }}
                else conversion_window_seconds
            end as {{ dbt.type_bigint() }}
        ) as conversion_window_seconds,
        order_mode,
        is_within_session,
        exclusion_event_names
    from steps
)

select * from final
