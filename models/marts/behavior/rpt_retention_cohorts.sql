{#- One row per cohort grain, cohort period, period number and counting mode: how many of the cohort's persons
    were active exactly in period N ('on') or in period N or any later period up to the analysis date
    ('on_or_after'). Periods not yet started by the analysis date are left out; is_complete tells whether
    period N has ended. "On or after" comes from each person's last active period (active on or after N iff
    last_active_period >= N): a histogram of last periods summed from the highest period down. -#}
{%- set max_periods = var('retention_max_periods') %}
{%- set highest_period = max_periods.values() | map('int') | max %}

with

person_periods as (
    select * from {{ ref('int_retention_periods_numbered') }}
),

grains as (
    {%- for grain, max_period in max_periods.items() %}
        select
            '{{ grain }}' as grain,
            {{ max_period | int }} as max_period_number
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

period_numbers as (
    select cast(generated_number - 1 as {{ dbt.type_int() }}) as period_number
    from ({{ dbt.generate_series(highest_period + 1) }}) as series
),

cohorts as (
    select
        grain,
        cohort_start,
        count(*) as cohort_persons
    from person_periods
    where period_number = 0
    group by grain, cohort_start
),

persons_on_period as (
    select
        grain,
        cohort_start,
        period_number,
        count(*) as persons_on
    from person_periods
    group by grain, cohort_start, period_number
),

-- one row per person (period 0 always exists); a last period beyond the reported ones counts at the highest
persons_by_last_period as (
    select
        person_periods.grain,
        person_periods.cohort_start,
        least(person_periods.last_active_period, grains.max_period_number) as last_active_period,
        count(*) as persons_last_active
    from person_periods
    inner join grains on person_periods.grain = grains.grain
    where person_periods.period_number = 0
    group by
        person_periods.grain,
        person_periods.cohort_start,
        least(person_periods.last_active_period, grains.max_period_number)
),

cohort_periods as (
    select
        cohorts.grain,
        cohorts.cohort_start,
        period_numbers.period_number,
        cohorts.cohort_persons,
        case
            {%- for grain in max_periods %}
                when cohorts.grain = '{{ grain }}'
                    then {{ calendar_period_add(grain, 'period_numbers.period_number', 'cohorts.cohort_start') }}
            {%- endfor %}
        end as period_start,
        case
            {%- for grain in max_periods %}
                when cohorts.grain = '{{ grain }}'
                    then {{ calendar_period_add(grain, 'period_numbers.period_number + 1', 'cohorts.cohort_start') }}
            {%- endfor %}
        end as next_period_start
    from cohorts
    inner join grains on cohorts.grain = grains.grain
    inner join period_numbers on grains.max_period_number >= period_numbers.period_number
),

cohort_period_counts as (
    select
        cohort_periods.grain,
        cohort_periods.cohort_start,
        cohort_periods.period_number,
        cohort_periods.period_start,
        cohort_periods.next_period_start,
        cohort_periods.cohort_persons,
        coalesce(persons_on_period.persons_on, 0) as persons_on,
        sum(coalesce(persons_by_last_period.persons_last_active, 0)) over (
            partition by cohort_periods.grain, cohort_periods.cohort_start
            order by cohort_periods.period_number desc
            rows between unbounded preceding and current row
        ) as persons_on_or_after
    from cohort_periods
    left join persons_on_period
        on
            cohort_periods.grain = persons_on_period.grain
            and cohort_periods.cohort_start = persons_on_period.cohort_start
            and cohort_periods.period_number = persons_on_period.period_number
    left join persons_by_last_period
        on
            cohort_periods.grain = persons_by_last_period.grain
            and cohort_periods.cohort_start = persons_by_last_period.cohort_start
            and cohort_periods.period_number = persons_by_last_period.last_active_period
),

started_periods as (
    select * from cohort_period_counts
    where period_start <= {{ as_of_date() }}
),

modes as (
    select
        grain,
        cohort_start,
        period_number,
        period_start,
        next_period_start,
        cohort_persons,
        'on' as mode,
        persons_on as retained_persons
    from started_periods
    union all
    select
        grain,
        cohort_start,
        period_number,
        period_start,
        next_period_start,
        cohort_persons,
        'on_or_after' as mode,
        persons_on_or_after as retained_persons
    from started_periods
),

final as (
    select
        cast(grain as {{ dbt.type_string() }}) as grain,
        cast(cohort_start as date) as cohort_start,
        cast(period_number as {{ dbt.type_bigint() }}) as period_number,
        cast(mode as {{ dbt.type_string() }}) as mode,
        cast(period_start as date) as period_start,
        cast(cohort_persons as {{ dbt.type_bigint() }}) as cohort_persons,
        cast(retained_persons as {{ dbt.type_bigint() }}) as retained_persons,
        cast(retained_persons as double) / cohort_persons as retention_rate,
        next_period_start <= cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date) as is_complete
    from modes
)

select * from final
