"""Quality gates as code: the statistical checks dbt expresses poorly, judged by Great Expectations.

dbt tests say whether a row is valid; these say whether a day looks like the days before it. Each check
measures the warehouse as of the analysis date in SQL on a read-only DuckDB connection (aggregates, or the
slice of rows a distribution is read from) and Great Expectations validates the resulting pandas frame
(an ephemeral context with a pandas data source: GE's SQL data source does not work on DuckDB 2.0).

Every bound lives here, in CHECKS: change a number there, or add an entry to a check's `overrides` (by
source, segment or tag; fnmatch patterns allowed) to give one subject bounds of its own. docs/quality.md
lists the checks and their bounds. A check of severity `error` blocks what is downstream of its table in
Dagster (orchestration/assets/expectations.py); `warn` only reports.

Every result (one per check and subject: a source, a segment, a tag) carries the observed value, the
bounds, whether it passed and a message naming all three; store_results appends them to
quality.expectation_results, and describe_expectations turns the latest run into lines for `make run`.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd

ERROR = "error"  # blocks the assets downstream of the checked table
WARN = "warn"  # reported, never blocks
RESULTS_SCHEMA = "quality"
RESULTS_TABLE = f"{RESULTS_SCHEMA}.expectation_results"
# The analysis date of the build (the dbt var as_of_date, or the latest day in the data): every check is as of it.
COVERAGE_TABLE = "marts.rpt_data_coverage"

RESULTS_TABLE_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar not null,
    checked_at timestamp not null,
    as_of_date date,
    suite varchar not null,
    check_name varchar not null,
    table_name varchar not null,
    column_name varchar,
    subject varchar,
    observed_value double,
    lower_bound double,
    upper_bound double,
    passed boolean not null,
    severity varchar not null,
    message varchar
)
"""
RESULT_COLUMNS = (
    "run_id", "checked_at", "as_of_date", "suite", "check_name", "table_name", "column_name", "subject",
    "observed_value", "lower_bound", "upper_bound", "passed", "severity", "message",
)


@dataclass(frozen=True)
class Bounds:
    """Inclusive bounds on an observed value; None: no bound on that side. strict_lower excludes the lower
    bound itself (a segment's share must be above 0, not equal to it)."""

    lower: float | None = None
    upper: float | None = None
    strict_lower: bool = False

    def describe(self, unit: str) -> str:
        lower = format_value(self.lower, unit) if self.lower is not None else None
        upper = format_value(self.upper, unit) if self.upper is not None else None
        if lower is not None and upper is not None:
            return f"{'(' if self.strict_lower else '['}{lower}, {upper}]"
        if lower is not None:
            return f"{'>' if self.strict_lower else '>='} {lower}"
        return f"<= {upper}" if upper is not None else "none"


@dataclass(frozen=True)
class Observation:
    """One value a check judges, as measured, with the bounds in force and the context a reader needs."""

    subject: str
    column_name: str
    observed_value: float | None
    bounds: Bounds
    unit: str
    detail: str
    # False when there is too little data to judge (the result passes, and its message says why).
    is_judged: bool = True


@dataclass(frozen=True)
class ExpectationResult:
    """The verdict on one observation: a row of quality.expectation_results."""

    suite: str
    check_name: str
    table_name: str
    column_name: str
    subject: str
    observed_value: float | None
    lower_bound: float | None
    upper_bound: float | None
    passed: bool
    severity: str
    message: str
    as_of_date: date | None = None


def format_value(value: float | None, unit: str) -> str:
    """A value as the messages print it: shares in percent, ratios to 3 digits, rows and amounts grouped."""
    if value is None:
        return "null"
    if unit == "share":
        return f"{value * 100:.3g}%"
    if unit == "ratio":
        return f"{value:.3g}"
    if unit == "rows":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "seconds":
        return f"{value:,.4g} s"
    return f"{value:,.4g}"


def bounds_for(subject: str, default: Bounds, overrides: Mapping[str, Bounds]) -> Bounds:
    """The subject's own bounds (exact key first, then the first fnmatch pattern that matches), else the default."""
    if subject in overrides:
        return overrides[subject]
    return next((bounds for pattern, bounds in overrides.items() if fnmatch.fnmatchcase(subject, pattern)), default)


@dataclass(frozen=True, kw_only=True)
class Check:
    """One Dagster asset check on one table. `table` is schema.relation: the asset key is its two parts."""

    suite: ClassVar[str] = ""
    name: str
    table: str
    severity: str = WARN

    def read_tables(self) -> tuple[str, ...]:
        """Tables the check reads besides its own and the analysis date's: Dagster builds them first."""
        return ()

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class VolumeChange(Check):
    """Clean rows of a staging source dated the analysis date, against the day before (reference
    'previous_day') or the mean of the 7 days before ('previous_7_days'): the ratio within `bounds`. When the
    reference has fewer than min_reference_rows rows a ratio says little, and the day is only judged on
    having at least min_rows rows.

    The check sits on marts.rpt_data_coverage (the days each source covers), not on the staging model it
    counts: Dagster's blocking stops the direct consumers of the checked asset only, and the publication
    consumes the marts."""

    suite: ClassVar[str] = "volume"
    table: str = COVERAGE_TABLE
    source_name: str
    source_table: str
    date_column: str
    reference: str = "previous_7_days"
    bounds: Bounds = Bounds(0.4, 4.0)
    min_reference_rows: float = 100
    min_rows: float = 0

    def read_tables(self) -> tuple[str, ...]:
        return (self.source_table,)

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        day_rows, previous_day_rows, previous_7_days_rows = connection.execute(f"""
            select
                count(case when {self.date_column} = $as_of_date then 1 end),
                count(case when {self.date_column} = $as_of_date - 1 then 1 end),
                count(case when {self.date_column} < $as_of_date then 1 end)
            from {self.source_table}
            where {self.date_column} between $as_of_date - 7 and $as_of_date
        """, {"as_of_date": as_of_date}).fetchone()
        if self.reference == "previous_day":
            reference_rows = float(previous_day_rows)
            reference_text = f"{previous_day_rows:,} on {as_of_date - timedelta(days=1)}"
        else:
            # Days before the source's first one are not zeros: in its first week the mean is over the days it has.
            first_day = connection.execute(f"select min({self.date_column}) from {self.source_table}").fetchone()[0]
            days = min(max((as_of_date - first_day).days, 0), 7) if first_day else 0
            reference_rows = previous_7_days_rows / days if days else 0.0
            reference_text = f"a mean of {format_value(reference_rows, 'rows')} a day over the {days} days before"
        detail = f"{day_rows:,} rows of {self.source_table} on {as_of_date} vs {reference_text}"
        if reference_rows >= self.min_reference_rows:
            return [Observation(self.source_name, self.date_column, day_rows / reference_rows, self.bounds,
                                "ratio", detail)]
        return [Observation(
            self.source_name, self.date_column, float(day_rows), Bounds(lower=self.min_rows), "rows",
            f"{detail}: fewer than {format_value(self.min_reference_rows, 'rows')} reference rows, so only the "
            "day's rows are judged",
        )]

    def describe(self) -> str:
        reference = "the day before" if self.reference == "previous_day" else "the mean of the 7 days before"
        return (f"Clean {self.source_name} rows ({self.source_table}) dated the analysis date / {reference}: within "
                f"{self.bounds.describe('ratio')}; when {reference} has fewer than "
                f"{format_value(self.min_reference_rows, 'rows')} rows, at least {format_value(self.min_rows, 'rows')}"
                " rows that day.")


@dataclass(frozen=True, kw_only=True)
class NullRate(Check):
    """Share of null values of a column: on the rows dated the analysis date when date_column is set (not
    judged below min_rows rows), else on the whole table; at most `ceiling`."""

    suite: ClassVar[str] = "null_rates"
    column: str
    ceiling: float
    date_column: str = ""
    min_rows: int = 1

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        where = f"where {self.date_column} = $as_of_date" if self.date_column else ""
        rows, null_rows = connection.execute(
            f"select count(*), count(*) - count({self.column}) from {self.table} {where}",
            {"as_of_date": as_of_date} if self.date_column else {},
        ).fetchone()
        scope = f"rows dated {as_of_date}" if self.date_column else "rows"
        detail = f"{null_rows:,} of {rows:,} {scope} have no {self.column}"
        if rows < max(self.min_rows, 1):
            return [Observation("", self.column, None, Bounds(upper=self.ceiling), "share",
                                f"{detail}: fewer than {self.min_rows:,} rows", is_judged=False)]
        return [Observation("", self.column, null_rows / rows, Bounds(upper=self.ceiling), "share", detail)]

    def describe(self) -> str:
        scope = (f"rows dated the analysis date (judged from {self.min_rows:,} rows)" if self.date_column
                 else "all rows")
        return f"Share of {scope} with a null {self.column}: at most {format_value(self.ceiling, 'share')}."


@dataclass(frozen=True, kw_only=True)
class QuarantineRate(Check):
    """Per source, the quarantine rate of its latest load (the day's delivery) in rpt_source_row_accounting:
    at most the default ceiling or the source's own; loads of fewer than min_raw_rows raw rows are not judged.
    dbt's quarantine_rate_below tests hold one threshold for every source and load; this is per source."""

    suite: ClassVar[str] = "quarantine"
    default: Bounds = Bounds(upper=0.05)
    overrides: Mapping[str, Bounds] = field(default_factory=dict)
    min_raw_rows: int = 100

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        rows = connection.execute(f"""
            select source_name, load_id, count_raw_rows, count_quarantined_rows
            from {self.table}
            qualify row_number() over (partition by source_name order by loaded_at desc nulls last, load_id desc) = 1
            order by source_name
        """).fetchall()
        observations = []
        for source_name, load_id, raw_rows, quarantined_rows in rows:
            bounds = bounds_for(source_name, self.default, self.overrides)
            detail = f"{quarantined_rows:,} of {raw_rows:,} raw rows of load {load_id} quarantined"
            if raw_rows < max(self.min_raw_rows, 1):
                observations.append(Observation(source_name, "quarantine_rate", None, bounds, "share",
                                                f"{detail}: fewer than {self.min_raw_rows:,} raw rows",
                                                is_judged=False))
            else:
                observations.append(Observation(source_name, "quarantine_rate", quarantined_rows / raw_rows,
                                                bounds, "share", detail))
        return observations

    def describe(self) -> str:
        own = "; ".join(f"{key} {bounds.describe('share')}" for key, bounds in self.overrides.items())
        return (f"Quarantine rate of each source's latest load: {self.default.describe('share')}"
                + (f" ({own})" if own else "") + f"; loads under {self.min_raw_rows:,} raw rows are not judged.")


@dataclass(frozen=True, kw_only=True)
class SegmentShare(Check):
    """Per segment of dim_segments, the share of persons it holds: an empty segment or one holding nearly
    everyone usually means a broken rule or tag, not a market."""

    suite: ClassVar[str] = "segments"
    default: Bounds = Bounds(lower=0.0, upper=0.9, strict_lower=True)
    overrides: Mapping[str, Bounds] = field(default_factory=dict)

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        rows = connection.execute(
            f"select segment_key, count_members, member_share from {self.table} order by segment_key"
        ).fetchall()
        observations = []
        for segment_key, members, share in rows:
            bounds = bounds_for(segment_key, self.default, self.overrides)
            detail = f"{segment_key} holds {members or 0:,} persons"
            observations.append(Observation(segment_key, "member_share", share, bounds, "share", detail,
                                            is_judged=share is not None))
        return observations

    def describe(self) -> str:
        own = "; ".join(f"{key} {bounds.describe('share')}" for key, bounds in self.overrides.items())
        return (f"Share of persons in each segment: {self.default.describe('share')}"
                + (f" ({own})" if own else "") + ".")


@dataclass(frozen=True, kw_only=True)
class TagCoverage(Check):
    """Per tag of dim_tag_catalog, the share of persons with a value: at least the bound the tag catalog puts in
    force (rpt_tag_quality.min_coverage: the tag's own min_coverage in macros/tag_catalog.sql, else the dbt var
    tag_quality_min_coverage), or the bounds given here for the tag. The report flags such tags; this gates."""

    suite: ClassVar[str] = "tags"
    quality_table: str = "marts.rpt_tag_quality"
    overrides: Mapping[str, Bounds] = field(default_factory=dict)

    def read_tables(self) -> tuple[str, ...]:
        return (self.quality_table,)

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        rows = connection.execute(f"""
            select catalog.tag_code, catalog.count_persons_tagged, catalog.count_persons, catalog.coverage_share,
                quality.min_coverage
            from {self.table} as catalog
            left join {self.quality_table} as quality on quality.tag_code = catalog.tag_code
            order by catalog.tag_code
        """).fetchall()
        observations = []
        for tag_code, tagged, persons, coverage, catalog_minimum in rows:
            bounds = bounds_for(tag_code, Bounds(lower=catalog_minimum), self.overrides)
            detail = f"{tagged or 0:,} of {persons or 0:,} persons have a value of {tag_code}"
            judged = coverage is not None and (bounds.lower is not None or bounds.upper is not None)
            observations.append(Observation(tag_code, "coverage_share", coverage, bounds, "share", detail,
                                            is_judged=judged))
        return observations

    def describe(self) -> str:
        own = "; ".join(f"{key} {bounds.describe('share')}" for key, bounds in self.overrides.items())
        return ("Share of persons with a value of each tag: at least the catalog's min_coverage in force "
                "(rpt_tag_quality.min_coverage)" + (f"; {own}" if own else "") + ".")


@dataclass(frozen=True, kw_only=True)
class DistributionShift(Check):
    """A quantile of a column over the recent_days ending on the analysis date, within `bounds` times the same
    quantile over the baseline_days before them. Great Expectations computes the recent quantile on the slice
    of rows (linear interpolation, as DuckDB's quantile_cont computes the baseline's). Not judged when either
    window has too few rows."""

    suite: ClassVar[str] = "distributions"
    column: str
    date_column: str
    quantile: float = 0.5
    condition: str = "true"
    bounds: Bounds = Bounds(0.5, 2.0)
    recent_days: int = 7
    baseline_days: int = 28
    min_recent_rows: int = 30
    min_baseline_rows: int = 100
    unit: str = "amount"

    @property
    def statistic(self) -> str:
        return "median" if self.quantile == 0.5 else f"p{self.quantile * 100:g}"

    def windows(self, as_of_date: date) -> tuple[date, date, date]:
        """First day of the baseline, first day of the recent window; the recent window ends on as_of_date."""
        recent_start = as_of_date - timedelta(days=self.recent_days - 1)
        return recent_start - timedelta(days=self.baseline_days), recent_start, as_of_date

    def recent_values(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> pd.DataFrame:
        _, recent_start, _ = self.windows(as_of_date)
        return connection.execute(f"""
            select cast({self.column} as double) as {self.column} from {self.table}
            where {self.date_column} between $recent_start and $as_of_date and ({self.condition})
                and {self.column} is not null
        """, {"recent_start": recent_start, "as_of_date": as_of_date}).df()

    def baseline(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> tuple[int, float | None]:
        baseline_start, recent_start, _ = self.windows(as_of_date)
        rows, value = connection.execute(f"""
            select count({self.column}), quantile_cont({self.column}, {self.quantile}) from {self.table}
            where {self.date_column} >= $baseline_start and {self.date_column} < $recent_start and ({self.condition})
        """, {"baseline_start": baseline_start, "recent_start": recent_start}).fetchone()
        return rows, value

    def observe(self, connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[Observation]:
        raise TypeError("DistributionShift is judged on its slice by Great Expectations: see run_expectations")

    def describe(self) -> str:
        return (f"{self.statistic} of {self.column} over the {self.recent_days} days ending on the analysis date "
                f"within {self.bounds.describe('ratio')} x the {self.statistic} of the {self.baseline_days} days "
                f"before; judged from {self.min_recent_rows:,} recent and {self.min_baseline_rows:,} baseline rows.")


# ---------------------------------------------------------------------------------------------------------------
# The suites: every check and bound. Figures on the full demo data (4,000 persons, 90 days, as of 2026-10-31) are
# in docs/quality.md; the bounds leave room for its weekly rhythm and promotion days (events up to 2.6x the day
# before) while catching a feed that lost most of a day or a unit that changed.
# ---------------------------------------------------------------------------------------------------------------
CHECKS: tuple[Check, ...] = (
    # volume (on marts.rpt_data_coverage): staging sources with a business date. campaign_touches is left out:
    # sends come in campaign batches, so a day without any is normal and a ratio means nothing.
    VolumeChange(name="events_volume_vs_previous_day", source_name="events", source_table="staging.stg_events__events",
                 date_column="event_date", reference="previous_day", bounds=Bounds(0.33, 3.0),
                 min_reference_rows=100, min_rows=1),
    # Blocking, so judged on the ratio only: with under 100 events a day (a small or new source) a day without
    # any is no proof of a broken feed; the warning above still flags it.
    VolumeChange(name="events_volume_vs_previous_7_days", source_name="events",
                 source_table="staging.stg_events__events", date_column="event_date", bounds=Bounds(0.4, 4.0),
                 min_reference_rows=100, min_rows=0, severity=ERROR),
    VolumeChange(name="orders_volume_vs_previous_day", source_name="orders", source_table="staging.stg_orders__orders",
                 date_column="ordered_date", reference="previous_day", bounds=Bounds(0.3, 3.5), min_reference_rows=30),
    VolumeChange(name="orders_volume_vs_previous_7_days", source_name="orders",
                 source_table="staging.stg_orders__orders", date_column="ordered_date", bounds=Bounds(0.3, 4.0),
                 min_reference_rows=30, severity=ERROR),
    # A few tickets a day: only the 7-day mean is steady enough, and only an outage is worth a warning.
    VolumeChange(name="tickets_volume_vs_previous_7_days", source_name="tickets",
                 source_table="staging.stg_support__tickets", date_column="created_date", bounds=Bounds(0.1, 10.0),
                 min_reference_rows=5),
    # null_rates: columns dbt does not already test not_null (fct_sessions.channel, for one, is).
    NullRate(name="null_rate_platform", table="marts.fct_sessions", column="platform", ceiling=0.01,
             date_column="session_date", min_rows=100, severity=ERROR),
    NullRate(name="null_rate_landing_page_name", table="marts.fct_sessions", column="landing_page_name",
             ceiling=0.05, date_column="session_date", min_rows=100),
    # Orders without a person: the identity graph failed to attribute them (walk-ins without a phone are normal).
    NullRate(name="null_rate_person_id", table="marts.fct_orders", column="person_id", ceiling=0.25,
             date_column="ordered_date", min_rows=30, severity=ERROR),
    NullRate(name="null_rate_channel", table="marts.fct_orders", column="channel", ceiling=0.01,
             date_column="ordered_date", min_rows=30),
    # Persons active on the day without a tracked event (orders only).
    NullRate(name="null_rate_active_platforms", table="marts.fct_person_daily_activity", column="active_platforms",
             ceiling=0.2, date_column="activity_date", min_rows=100),
    NullRate(name="null_rate_activity_level", table="marts.dim_person_profiles", column="activity_level",
             ceiling=0.01),
    NullRate(name="null_rate_lifecycle_stage", table="marts.dim_person_profiles", column="lifecycle_stage",
             ceiling=0.2),
    NullRate(name="null_rate_preferred_platform", table="marts.dim_person_profiles", column="preferred_platform",
             ceiling=0.4),
    NullRate(name="null_rate_behavior_value_cluster", table="marts.dim_person_profiles",
             column="behavior_value_cluster", ceiling=0.01),
    # quarantine: order feeds are transactional and cleaner than tracking.
    QuarantineRate(name="quarantine_rate", table="marts.rpt_source_row_accounting", default=Bounds(upper=0.05),
                   overrides={"orders": Bounds(upper=0.02)}, min_raw_rows=100),
    # segments: per-segment exceptions go in overrides, e.g. {"behavior_value_cluster__*": Bounds(0.01, 0.95)}.
    SegmentShare(name="segment_share", table="marts.dim_segments"),
    TagCoverage(name="tag_coverage", table="marts.dim_tag_catalog"),
    # distributions: revenue per paid order and session length, last 7 days vs the 28 days before.
    DistributionShift(name="revenue_median_shift", table="marts.fct_orders", column="revenue_amount",
                      date_column="ordered_date", condition="is_value_order", quantile=0.5, bounds=Bounds(0.5, 2.0),
                      severity=ERROR),
    DistributionShift(name="revenue_p95_shift", table="marts.fct_orders", column="revenue_amount",
                      date_column="ordered_date", condition="is_value_order", quantile=0.95, bounds=Bounds(0.5, 2.0)),
    DistributionShift(name="session_length_median_shift", table="marts.fct_sessions", column="duration_seconds",
                      date_column="session_date", quantile=0.5, bounds=Bounds(0.67, 1.5), min_recent_rows=200,
                      min_baseline_rows=500, unit="seconds"),
    DistributionShift(name="session_length_p95_shift", table="marts.fct_sessions", column="duration_seconds",
                      date_column="session_date", quantile=0.95, bounds=Bounds(0.5, 2.0), min_recent_rows=200,
                      min_baseline_rows=500, unit="seconds"),
)


class GreatExpectationsValidator:
    """An ephemeral Great Expectations context with one pandas data source; each check's frame is a batch of
    its own, validated against a suite built for it. GE is imported here, not at module load: it takes seconds,
    and loading the Dagster definitions should not pay for it."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        ))
        self.data_source = self.context.data_sources.add_pandas("warehouse")

    def validate(self, name: str, frame: pd.DataFrame, expectations: Sequence[Any]) -> list[Any]:
        """Validate frame against the expectations; one ExpectationValidationResult each, in their order."""
        asset = self.data_source.add_dataframe_asset(f"{name}_{uuid.uuid4().hex[:8]}")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
        suite = self.gx.ExpectationSuite(name=name, expectations=list(expectations))
        by_subject = {result.expectation_config.meta["subject"]: result for result in batch.validate(suite).results}
        return [by_subject[expectation.meta["subject"]] for expectation in expectations]

    def between(self, column: str, bounds: Bounds, subject: str, row: tuple[str, str]) -> Any:
        """expect_column_values_to_be_between on the rows where row[0] == row[1]."""
        from great_expectations.expectations.row_conditions import Column

        return self.gx.expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=bounds.lower, max_value=bounds.upper, strict_min=bounds.strict_lower,
            row_condition=Column(row[0]) == row[1], meta={"subject": subject},
        )

    def quantile_between(self, column: str, quantile: float, bounds: Bounds, subject: str) -> Any:
        return self.gx.expectations.ExpectColumnQuantileValuesToBeBetween(
            column=column, quantile_ranges={"quantiles": [quantile], "value_ranges": [[bounds.lower, bounds.upper]]},
            allow_relative_error="linear", meta={"subject": subject},
        )


def _failure_reason(validation: Any) -> str:
    exception = validation.exception_info or {}
    if isinstance(exception, dict) and exception.get("raised_exception"):
        return f"; Great Expectations raised: {exception.get('exception_message')}"
    return ""


def _result(check: Check, observation: Observation, passed: bool, as_of_date: date,
            note: str = "") -> ExpectationResult:
    value_text = format_value(observation.observed_value, observation.unit)
    bound_text = observation.bounds.describe(observation.unit)
    if not observation.is_judged:
        message = f"not judged ({observation.detail}); bound {bound_text}"
    else:
        relation = "within" if passed else "outside"
        message = f"observed {value_text}, {relation} bound {bound_text} ({observation.detail}){note}"
    return ExpectationResult(
        suite=check.suite, check_name=check.name, table_name=check.table, column_name=observation.column_name,
        subject=observation.subject, observed_value=observation.observed_value, lower_bound=observation.bounds.lower,
        upper_bound=observation.bounds.upper, passed=passed, severity=check.severity, message=message,
        as_of_date=as_of_date,
    )


def _judge_observations(validator: GreatExpectationsValidator, check: Check, as_of_date: date,
                        observations: list[Observation]) -> list[ExpectationResult]:
    """One frame row per observation; one expect_column_values_to_be_between per judged row (its own bounds)."""
    judged = [observation for observation in observations
              if observation.is_judged and observation.observed_value is not None
              and (observation.bounds.lower is not None or observation.bounds.upper is not None)]
    frame = pd.DataFrame({
        "subject": [observation.subject or observation.column_name for observation in judged],
        "observed_value": [float(observation.observed_value) for observation in judged],
    })
    expectations = [
        validator.between("observed_value", observation.bounds, str(index),
                          row=("subject", observation.subject or observation.column_name))
        for index, observation in enumerate(judged)
    ]
    validations = validator.validate(f"{check.suite}.{check.table}.{check.name}", frame, expectations) if judged else []
    verdicts = {id(observation): validation for observation, validation in zip(judged, validations, strict=True)}
    results = []
    for observation in observations:
        validation = verdicts.get(id(observation))
        if validation is None:
            results.append(_result(check, observation, True, as_of_date))
        else:
            results.append(_result(check, observation, bool(validation.success), as_of_date,
                                   _failure_reason(validation)))
    return results


def _judge_distribution(validator: GreatExpectationsValidator, check: DistributionShift,
                        connection: duckdb.DuckDBPyConnection, as_of_date: date) -> list[ExpectationResult]:
    baseline_start, recent_start, _ = check.windows(as_of_date)
    baseline_rows, baseline_value = check.baseline(connection, as_of_date)
    recent = check.recent_values(connection, as_of_date)
    baseline_text = (f"{check.statistic} {format_value(baseline_value, check.unit)} over {baseline_rows:,} rows "
                     f"{baseline_start}..{recent_start - timedelta(days=1)}")
    if baseline_value is None or baseline_rows < check.min_baseline_rows or len(recent) < check.min_recent_rows:
        observation = Observation(
            "", check.column, None, Bounds(), check.unit,
            f"{len(recent):,} rows {recent_start}..{as_of_date} (at least {check.min_recent_rows:,}), baseline "
            f"{baseline_text} (at least {check.min_baseline_rows:,})", is_judged=False)
        return [_result(check, observation, True, as_of_date)]
    bounds = Bounds(
        check.bounds.lower * baseline_value if check.bounds.lower is not None else None,
        check.bounds.upper * baseline_value if check.bounds.upper is not None else None,
    )
    expectation = validator.quantile_between(check.column, check.quantile, bounds, "0")
    validation = validator.validate(f"{check.suite}.{check.table}.{check.name}", recent, [expectation])[0]
    observed = validation.result.get("observed_value") or {}
    values = observed.get("values") if isinstance(observed, dict) else None
    value = float(values[0]) if values and values[0] is not None else None
    ratio = f"{value / baseline_value:.3g} x " if value is not None and baseline_value else ""
    observation = Observation(
        "", check.column, value, bounds, check.unit,
        f"{check.statistic} of {len(recent):,} rows {recent_start}..{as_of_date} = {ratio}the {baseline_text}; "
        f"bounds {check.bounds.describe('ratio')} x",
    )
    return [_result(check, observation, bool(validation.success), as_of_date, _failure_reason(validation))]


def analysis_date(connection: duckdb.DuckDBPyConnection) -> date:
    """The analysis date the build used (marts.rpt_data_coverage: the dbt var as_of_date or the latest day)."""
    value = connection.execute(f"select max(as_of_date) from {COVERAGE_TABLE}").fetchone()[0]
    if value is None:
        raise ValueError(f"{COVERAGE_TABLE} holds no analysis date: build the marts first")
    return value


def run_expectations(connection: duckdb.DuckDBPyConnection, as_of_date: date | str | None = None,
                     checks: Sequence[Check] = CHECKS) -> list[ExpectationResult]:
    """Judge the warehouse as of the analysis date (read from the warehouse when not given) against checks.

    A check that cannot be measured (a table missing, a column renamed) fails with the error as its message,
    at its own severity, so a broken check is never mistaken for a passing one.
    """
    as_of = date.fromisoformat(as_of_date) if isinstance(as_of_date, str) else as_of_date
    as_of = as_of or analysis_date(connection)
    validator = GreatExpectationsValidator()
    results: list[ExpectationResult] = []
    for check in checks:
        try:
            if isinstance(check, DistributionShift):
                results.extend(_judge_distribution(validator, check, connection, as_of))
            else:
                results.extend(_judge_observations(validator, check, as_of, check.observe(connection, as_of)))
        except duckdb.Error as error:
            results.append(ExpectationResult(
                suite=check.suite, check_name=check.name, table_name=check.table, column_name="", subject="",
                observed_value=None, lower_bound=None, upper_bound=None, passed=False, severity=check.severity,
                message=f"could not be measured: {' '.join(str(error).split())[:500]}", as_of_date=as_of,
            ))
    return results


def store_results(connection: duckdb.DuckDBPyConnection, results: Sequence[ExpectationResult], run_id: str) -> int:
    """Append the results to quality.expectation_results (created if absent) with the run id and the time (UTC).

    Storing a run's results for a check again replaces them: a retried step never counts a check twice. Returns
    the rows written.
    """
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    connection.execute(f"create schema if not exists {RESULTS_SCHEMA}")
    connection.execute(RESULTS_TABLE_DDL)
    rows = [
        (run_id, checked_at, result.as_of_date, result.suite, result.check_name, result.table_name,
         result.column_name, result.subject, result.observed_value, result.lower_bound, result.upper_bound,
         result.passed, result.severity, result.message)
        for result in results
    ]
    connection.execute("begin transaction")
    try:
        for table_name, check_name in sorted({(result.table_name, result.check_name) for result in results}):
            connection.execute(f"delete from {RESULTS_TABLE} where run_id = ? and table_name = ? and check_name = ?",
                               [run_id, table_name, check_name])
        if rows:
            placeholders = ", ".join(["?"] * len(RESULT_COLUMNS))
            connection.executemany(
                f"insert into {RESULTS_TABLE} ({', '.join(RESULT_COLUMNS)}) values ({placeholders})", rows
            )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return len(rows)


def describe_results(results: Sequence[ExpectationResult]) -> list[str]:
    """A count line, then one line per failed (error severity) and warned (warn severity) result."""
    failed = [result for result in results if not result.passed and result.severity == ERROR]
    warned = [result for result in results if not result.passed and result.severity != ERROR]
    as_of = next((result.as_of_date for result in results if result.as_of_date), None)
    lines = [f"{len(results)} expectation results" + (f" as of {as_of}" if as_of else "")
             + f": {len(results) - len(failed) - len(warned)} passed, {len(warned)} warned, {len(failed)} failed"]
    for outcome, group in (("failed", failed), ("warned", warned)):
        for result in group:
            subject = f" [{result.subject}]" if result.subject else ""
            lines.append(f"{outcome}  {result.check_name} on {result.table_name}{subject}: {result.message}")
    return lines


def describe_expectations(warehouse_path: Path, run_id: str | None = None) -> list[str]:
    """The `make run` summary of a run's results in quality.expectation_results (see describe_results): those
    of run_id, else of the latest run; empty when the warehouse, the table or the run's rows do not exist."""
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            frame = connection.execute(f"""
                select * from {RESULTS_TABLE}
                where run_id = coalesce(?, (select run_id from {RESULTS_TABLE} order by checked_at desc limit 1))
                order by suite, table_name, check_name, subject
            """, [run_id]).df()
    except duckdb.Error:
        return []
    results = [
        ExpectationResult(
            suite=row.suite, check_name=row.check_name, table_name=row.table_name, column_name=row.column_name,
            subject=row.subject or "", observed_value=None if pd.isna(row.observed_value) else row.observed_value,
            lower_bound=None if pd.isna(row.lower_bound) else row.lower_bound,
            upper_bound=None if pd.isna(row.upper_bound) else row.upper_bound, passed=bool(row.passed),
            severity=row.severity, message=row.message,
            as_of_date=None if pd.isna(row.as_of_date) else pd.Timestamp(row.as_of_date).date(),
        )
        for row in frame.itertuples(index=False)
    ]
    return describe_results(results) if results else []
