{#- One row per refresh date and segment, from the membership history: members on the date, members who
    entered (a period starting that date) and left (a period ending that date), and members on the previous
    refresh date. Refresh dates are the dates the history records plus the analysis date. -#}
with

memberships as (
    select * from {{ ref('fct_segment_memberships') }}
),

segments as (
    select * from {{ ref('dim_segments') }}
),

recorded_dates as (
    select valid_from as refresh_date from memberships
    union
    select valid_to as refresh_date from memberships
    union
    select {{ as_of_date() }} as refresh_date
),

refresh_dates as (
    select
        refresh_date,
        lag(refresh_date) over (order by refresh_date) as previous_refresh_date
    from recorded_dates
    where refresh_date <= {{ as_of_date() }}
),

-- a segment is reported from its first membership (or, with none yet, from the analysis date) to the
-- analysis date while it is defined or has members, else to the date its last member left
segment_spans as (
    select
        segment_key,
        min(first_refresh_date) as first_refresh_date,
        max(last_refresh_date) as last_refresh_date
    from (
        select
            segment_key,
            valid_from as first_refresh_date,
            coalesce(valid_to, {{ as_of_date() }}) as last_refresh_date
        from memberships
        union all
        select
            segment_key,
            {{ as_of_date() }} as first_refresh_date,
            {{ as_of_date() }} as last_refresh_date
        from segments
    ) as spans
    group by segment_key
),

segment_dates as (
    select
        segment_spans.segment_key,
        refresh_dates.refresh_date,
        refresh_dates.previous_refresh_date
    from segment_spans
    inner join refresh_dates
        on
            segment_spans.first_refresh_date <= refresh_dates.refresh_date
            and segment_spans.last_refresh_date >= refresh_dates.refresh_date
),

counted as (
    select
        segment_dates.refresh_date,
        segment_dates.segment_key,
        segment_dates.previous_refresh_date,
        count(
            distinct case when {{ is_valid_on('segment_dates.refresh_date', 'memberships') }} then memberships.person_id end
        ) as count_members,
        count(
            distinct case when memberships.valid_from = segment_dates.refresh_date then memberships.person_id end
        ) as count_entered,
        count(
            distinct case when memberships.valid_to = segment_dates.refresh_date then memberships.person_id end
        ) as count_left,
        count(
            distinct case
                when {{ is_valid_on('segment_dates.previous_refresh_date', 'memberships') }} then memberships.person_id
            end
        ) as count_members_previous
    from segment_dates
    -- only the periods that touch the previous or this refresh date
    left join memberships
        on
            segment_dates.segment_key = memberships.segment_key
            and segment_dates.refresh_date >= memberships.valid_from
            and (
                memberships.valid_to is null
                or coalesce(segment_dates.previous_refresh_date, segment_dates.refresh_date) <= memberships.valid_to
            )
    group by segment_dates.refresh_date, segment_dates.segment_key, segment_dates.previous_refresh_date
),

final as (
    select
        refresh_date,
        segment_key,
        previous_refresh_date,
        count_members,
        count_entered,
        count_left,
        case when previous_refresh_date is not null then count_members_previous end as count_members_previous
    from counted
)

select * from final
