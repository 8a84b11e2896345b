"""Every SQL the dashboard runs, one function per question, over the published marts only (schema `marts`).

Functions take the analysis date where they need one (the publication's as_of_date) and return DataFrames;
`published.query` runs them read-only. Windows end on the analysis date, as the marts' own `_last_30_days`
columns do. Identifiers (tag codes, segment keys, person ids) are always passed as parameters.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from dashboard.published import query

# Days of history the trend charts show, ending on the analysis date.
TREND_DAYS = 90
# Periods the retention heat map shows per grain (cohorts and periods since the cohort), most recent cohorts.
RETENTION_WINDOW = {"day": 30, "week": 12, "month": 12}


def _window_start(as_of: date, days: int) -> date:
    return as_of - timedelta(days=days - 1)


# --- overview -----------------------------------------------------------------------------------------------


def headline_activity(as_of: date, path: Path | None = None) -> pd.DataFrame:
    """DAU/WAU/MAU, new and returning persons on the analysis date and on the day before (all platforms)."""
    return query(
        """
        select
            activity_date,
            count_active_persons,
            count_active_persons_last_7_days,
            count_active_persons_last_30_days,
            count_new_persons,
            count_returning_persons,
            stickiness
        from marts.rpt_active_persons
        where platform = 'all' and channel = 'all' and activity_date in (?, ?)
        order by activity_date desc
        """,
        [as_of, as_of - timedelta(days=1)],
        path,
    )


def headline_orders(as_of: date, days: int = 30, path: Path | None = None) -> pd.DataFrame:
    """Value orders, revenue, AOV and buyers of the `days` ending on the analysis date and the `days` before."""
    start = _window_start(as_of, days)
    previous_start = start - timedelta(days=days)
    return query(
        """
        select
            case when ordered_date >= ? then 'current' else 'previous' end as period,
            count(*) as count_orders,
            sum(revenue_amount) as revenue,
            sum(revenue_amount) / nullif(count(*), 0) as average_order_value,
            count(distinct person_id) as count_buyers
        from marts.fct_orders
        where is_value_order and ordered_date between ? and ?
        group by all
        """,
        [start, previous_start, as_of],
        path,
    )


def daily_active_persons(as_of: date, days: int = TREND_DAYS, path: Path | None = None) -> pd.DataFrame:
    """New and returning persons per day, with the rolling WAU and MAU (all platforms and channels)."""
    return query(
        """
        select
            activity_date,
            count_new_persons,
            count_returning_persons,
            count_active_persons,
            count_active_persons_last_7_days,
            count_active_persons_last_30_days
        from marts.rpt_active_persons
        where platform = 'all' and channel = 'all' and activity_date between ? and ?
        order by activity_date
        """,
        [_window_start(as_of, days), as_of],
        path,
    )


def daily_revenue(as_of: date, days: int = TREND_DAYS, path: Path | None = None) -> pd.DataFrame:
    """Revenue and value orders per day, online and in store."""
    return query(
        """
        select
            ordered_date,
            case when channel = 'store' then 'store' else 'online' end as channel_group,
            sum(revenue_amount) as revenue,
            count(*) as count_orders
        from marts.fct_orders
        where is_value_order and ordered_date between ? and ?
        group by all
        order by ordered_date, channel_group
        """,
        [_window_start(as_of, days), as_of],
        path,
    )


def active_persons_by_platform(as_of: date, path: Path | None = None) -> pd.DataFrame:
    """MAU per platform on the analysis date (a person active on two platforms counts on both)."""
    return query(
        """
        select platform, count_active_persons_last_30_days
        from marts.rpt_active_persons
        where channel = 'all' and platform not in ('all', 'none') and activity_date = ?
        order by count_active_persons_last_30_days desc
        """,
        [as_of],
        path,
    )


# --- funnels ------------------------------------------------------------------------------------------------


def funnels(path: Path | None = None) -> pd.DataFrame:
    return query(
        "select distinct funnel_key, funnel_name from marts.rpt_funnel_steps order by funnel_key", path=path
    )


def funnel_steps(funnel_key: str, breakdown_dimension: str, path: Path | None = None) -> pd.DataFrame:
    """The steps of one funnel for one breakdown ('all', 'platform' or 'channel')."""
    return query(
        """
        select
            breakdown_value,
            step_number,
            step_name,
            persons,
            conversion_rate_from_first_step,
            conversion_rate_from_previous_step,
            median_seconds_from_previous_step
        from marts.rpt_funnel_steps
        where funnel_key = ? and breakdown_dimension = ?
        order by breakdown_value, step_number
        """,
        [funnel_key, breakdown_dimension],
        path,
    )


# --- retention ----------------------------------------------------------------------------------------------


def retention_cohorts(grain: str, mode: str, path: Path | None = None) -> pd.DataFrame:
    """The most recent cohorts of a grain and mode, with their first periods (RETENTION_WINDOW)."""
    window = RETENTION_WINDOW[grain]
    return query(
        """
        with recent_cohorts as (
            select distinct cohort_start
            from marts.rpt_retention_cohorts
            where grain = ? and mode = ?
            order by cohort_start desc
            limit ?
        )

        select
            cohorts.cohort_start,
            cohorts.period_number,
            cohorts.cohort_persons,
            cohorts.retained_persons,
            cohorts.retention_rate,
            cohorts.is_complete
        from marts.rpt_retention_cohorts as cohorts
        inner join recent_cohorts on cohorts.cohort_start = recent_cohorts.cohort_start
        where cohorts.grain = ? and cohorts.mode = ? and cohorts.period_number <= ?
        order by cohorts.cohort_start, cohorts.period_number
        """,
        [grain, mode, window, grain, mode, window],
        path,
    )


# --- lifecycle ----------------------------------------------------------------------------------------------


def lifecycle_periods(grain: str, as_of: date, path: Path | None = None) -> pd.DataFrame:
    """New, returning, resurrecting and dormant persons per period of the grain (the last TREND_DAYS days)."""
    return query(
        """
        select period_start, status, persons, is_complete
        from marts.rpt_lifecycle
        where grain = ? and period_start between ? and ?
        order by period_start, status
        """,
        [grain, _window_start(as_of, TREND_DAYS), as_of],
        path,
    )


def lifecycle_stages(path: Path | None = None) -> pd.DataFrame:
    """Persons per lifecycle stage on the analysis date, and how many of them carry a churn warning."""
    return query(
        """
        select
            lifecycle_stage,
            count(*) as persons,
            count_if(has_churn_warning) as persons_with_churn_warning
        from marts.dim_person_lifecycle_stages
        group by all
        """,
        path=path,
    )


# --- value --------------------------------------------------------------------------------------------------


def rfm_segments(path: Path | None = None) -> pd.DataFrame:
    """Buyers, revenue and predicted value per RFM segment."""
    return query(
        """
        select
            rfm_segment,
            any_value(rfm_segment_name) as rfm_segment_name,
            any_value(rfm_segment_name_zh) as rfm_segment_name_zh,
            count(*) as persons,
            sum(revenue) as revenue,
            avg(predicted_clv) as average_predicted_clv
        from marts.fct_person_value
        where count_orders > 0
        group by rfm_segment
        order by persons desc
        """,
        path=path,
    )


def value_tiers(path: Path | None = None) -> pd.DataFrame:
    """Persons, revenue and predicted value per value tier."""
    return query(
        """
        select
            value_tier,
            count(*) as persons,
            sum(revenue) as revenue,
            sum(predicted_clv) as predicted_clv
        from marts.fct_person_value
        where count_orders > 0
        group by value_tier
        order by revenue desc
        """,
        path=path,
    )


def rfm_grid(path: Path | None = None) -> pd.DataFrame:
    """Buyers per recency score and frequency-monetary score (the grid the RFM segments are cut from)."""
    return query(
        """
        select r_score, fm_score, count(*) as persons
        from marts.fct_person_value
        where count_orders > 0
        group by all
        order by r_score, fm_score
        """,
        path=path,
    )


# --- tags and segments --------------------------------------------------------------------------------------


def tag_catalog(path: Path | None = None) -> pd.DataFrame:
    return query(
        """
        select
            tag_code, tag_name_zh, tag_name_en, category, value_type, description,
            coverage_share, count_distinct_values, top_value, top_value_share
        from marts.dim_tag_catalog
        order by catalog_position
        """,
        path=path,
    )


def segments(path: Path | None = None) -> pd.DataFrame:
    return query(
        """
        select segment_key, segment_name_zh, segment_name_en, segment_kind, count_members, member_share,
            is_exportable
        from marts.dim_segments
        order by segment_kind, segment_key
        """,
        path=path,
    )


def tag_distribution(tag_code: str, segment_key: str | None = None, path: Path | None = None) -> pd.DataFrame:
    """Persons per value of a tag among every profiled person, or among the current members of a segment.

    Persons without a value count under tag_value null (is_missing true); a multi-value tag counts a person
    once under each of its values. Number tags also return tag_number for a histogram.
    """
    return query(
        """
        with population as (
            select profiles.person_id
            from marts.dim_person_profiles as profiles
            where ? is null or profiles.person_id in (
                select memberships.person_id
                from marts.fct_segment_memberships as memberships
                where memberships.segment_key = ? and memberships.is_current
            )
        ),

        tag_values as (
            select person_id, tag_value, tag_number
            from marts.fct_person_tags
            where tag_code = ?
        )

        select
            tag_values.tag_value,
            tag_values.tag_number,
            tag_values.tag_value is null as is_missing,
            count(distinct population.person_id) as persons
        from population
        left join tag_values on population.person_id = tag_values.person_id
        group by all
        order by persons desc, tag_value
        """,
        [segment_key, segment_key, tag_code],
        path,
    )


def tag_values(tag_code: str, path: Path | None = None) -> list[str]:
    """The values a tag holds today, most common first (the segment builder's choices)."""
    frame = query(
        """
        select tag_value
        from marts.rpt_tag_value_distribution
        where tag_code = ?
        order by value_rank_in_tag
        """,
        [tag_code],
        path,
    )
    return frame["tag_value"].tolist()


def count_profiles(path: Path | None = None) -> int:
    return int(query("select count(*) as persons from marts.dim_person_profiles", path=path)["persons"].iloc[0])


def segment_sizes(segment_key: str, path: Path | None = None) -> pd.DataFrame:
    return query(
        """
        select refresh_date, count_members, count_entered, count_left
        from marts.rpt_segment_sizes
        where segment_key = ?
        order by refresh_date
        """,
        [segment_key],
        path,
    )


# --- one person ---------------------------------------------------------------------------------------------


def sample_persons(limit: int = 20, path: Path | None = None) -> pd.DataFrame:
    """The persons with the most revenue, then the most active days: good first picks for the profile view."""
    return query(
        """
        select
            profiles.person_id,
            coalesce(value.revenue, 0) as revenue,
            profiles.count_active_days_last_30_days
        from marts.dim_person_profiles as profiles
        left join marts.fct_person_value as value on profiles.person_id = value.person_id
        order by revenue desc, profiles.count_active_days_last_30_days desc nulls last, profiles.person_id
        limit ?
        """,
        [limit],
        path,
    )


def person_summary(person_id: str, path: Path | None = None) -> pd.DataFrame:
    """One row: identity, lifecycle and value facts of a person (empty when the person_id is unknown)."""
    return query(
        """
        select
            persons.person_id,
            persons.first_seen_at,
            persons.last_seen_at,
            persons.count_identifiers,
            stages.lifecycle_stage,
            stages.has_churn_warning,
            stages.last_active_date,
            value.count_orders,
            value.revenue,
            value.average_order_value,
            value.rfm_segment,
            value.rfm_segment_name,
            value.rfm_segment_name_zh,
            value.value_tier,
            value.predicted_clv,
            value.probability_alive
        from marts.dim_persons as persons
        left join marts.dim_person_lifecycle_stages as stages on persons.person_id = stages.person_id
        left join marts.fct_person_value as value on persons.person_id = value.person_id
        where persons.person_id = ?
        """,
        [person_id],
        path,
    )


def person_tags(person_id: str, path: Path | None = None) -> pd.DataFrame:
    """The person's tags in catalog order; a multi-value tag's values joined in rank order."""
    return query(
        """
        select
            catalog.category,
            catalog.tag_code,
            catalog.tag_name_zh,
            catalog.tag_name_en,
            string_agg(tags.tag_value, ', ' order by tags.value_rank) as tag_value
        from marts.fct_person_tags as tags
        inner join marts.dim_tag_catalog as catalog on tags.tag_code = catalog.tag_code
        where tags.person_id = ?
        group by all
        order by min(catalog.catalog_position)
        """,
        [person_id],
        path,
    )


def person_activity(person_id: str, as_of: date, days: int = TREND_DAYS, path: Path | None = None) -> pd.DataFrame:
    return query(
        """
        select activity_date, count_events, count_sessions, count_orders, revenue
        from marts.fct_person_daily_activity
        where person_id = ? and activity_date between ? and ?
        order by activity_date
        """,
        [person_id, _window_start(as_of, days), as_of],
        path,
    )


def person_segments(person_id: str, path: Path | None = None) -> pd.DataFrame:
    return query(
        """
        select segments.segment_key, segments.segment_name_zh, segments.segment_name_en, segments.segment_kind,
            memberships.valid_from
        from marts.fct_segment_memberships as memberships
        inner join marts.dim_segments as segments on memberships.segment_key = segments.segment_key
        where memberships.person_id = ? and memberships.is_current
        order by segments.segment_kind, segments.segment_key
        """,
        [person_id],
        path,
    )


def person_identifiers(person_id: str, path: Path | None = None) -> pd.DataFrame:
    """The person's identifiers (phone and email as the salted hashes the marts hold)."""
    return query(
        """
        select identifier_type, identifier_value, first_seen_at, last_seen_at
        from marts.bdg_person_identifiers
        where person_id = ?
        order by identifier_type, first_seen_at
        """,
        [person_id],
        path,
    )
