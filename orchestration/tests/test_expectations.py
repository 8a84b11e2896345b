"""The Great Expectations quality gates (orchestration/expectations.py, orchestration/assets/expectations.py) on
tiny hand-made warehouses whose verdicts were worked out by hand: volume change, null-rate ceilings, quarantine
ceilings, segment shares, tag coverage, distribution shifts; the results table; the Dagster checks (one spec per
check, all blocking so downstream waits; only error severity stops it) and a failing blocking check stopping
a downstream asset."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckKey,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    define_asset_job,
    multi_asset,
)

from orchestration.assets.expectations import check_key, check_spec, expectations, table_asset_key
from orchestration.expectations import (
    CHECKS,
    COVERAGE_TABLE,
    ERROR,
    RESULT_COLUMNS,
    RESULTS_TABLE,
    WARN,
    Bounds,
    DistributionShift,
    NullRate,
    QuarantineRate,
    SegmentShare,
    TagCoverage,
    VolumeChange,
    describe_expectations,
    run_expectations,
    store_results,
)

AS_OF = date(2026, 10, 31)


def day(offset: int) -> date:
    """The analysis date plus offset days (offset <= 0)."""
    return AS_OF + timedelta(days=offset)


def create_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Every table CHECKS reads, empty, with the columns the checks use; the analysis date in rpt_data_coverage."""
    connection.execute("create schema if not exists staging")
    connection.execute("create schema if not exists marts")
    for statement in (
        "create or replace table marts.rpt_data_coverage (source_name varchar, as_of_date date)",
        "create or replace table staging.stg_events__events (event_date date)",
        "create or replace table staging.stg_orders__orders (ordered_date date)",
        "create or replace table staging.stg_support__tickets (created_date date)",
        "create or replace table marts.fct_sessions (session_date date, platform varchar, "
        "landing_page_name varchar, duration_seconds double)",
        "create or replace table marts.fct_orders (ordered_date date, person_id varchar, channel varchar, "
        "revenue_amount double, is_value_order boolean)",
        "create or replace table marts.fct_person_daily_activity (activity_date date, active_platforms varchar)",
        "create or replace table marts.dim_person_profiles (person_id varchar, activity_level varchar, "
        "lifecycle_stage varchar, preferred_platform varchar, behavior_value_cluster varchar)",
        "create or replace table marts.rpt_source_row_accounting (source_name varchar, load_id varchar, "
        "loaded_at timestamp, count_raw_rows bigint, count_quarantined_rows bigint)",
        "create or replace table marts.dim_segments (segment_key varchar, count_members bigint, member_share double)",
        "create or replace table marts.dim_tag_catalog (tag_code varchar, count_persons_tagged bigint, "
        "count_persons bigint, coverage_share double)",
        "create or replace table marts.rpt_tag_quality (tag_code varchar, min_coverage double)",
    ):
        connection.execute(statement)
    connection.execute(f"insert into {COVERAGE_TABLE} values ('events', ?), ('orders', ?)", [AS_OF, AS_OF])


def add_days(connection: duckdb.DuckDBPyConnection, table: str, rows_per_day: dict[date, int]) -> None:
    """rows_per_day[d] rows dated d in a one-column table."""
    for row_date, count in rows_per_day.items():
        connection.execute(f"insert into {table} select cast(? as date) from range(?)", [row_date, count])


def add_orders(connection: duckdb.DuckDBPyConnection, ordered_date: date, count: int, person_id: str | None = "p",
               channel: str | None = "web", revenue: float = 100.0, is_value_order: bool = True) -> None:
    connection.execute("insert into marts.fct_orders select ?, ?, ?, ?, ? from range(?)",
                       [ordered_date, person_id, channel, revenue, is_value_order, count])


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "profile.duckdb"
    with duckdb.connect(str(path)) as connection:
        create_tables(connection)
    return path


def judge(path: Path, *checks) -> list:
    with duckdb.connect(str(path), read_only=True) as connection:
        return run_expectations(connection, checks=checks)


def only(results: list, subject: str = ""):
    [result] = [result for result in results if result.subject == subject]
    return result


# --- volume -------------------------------------------------------------------------------------------------

EVENTS_PREVIOUS_DAY = VolumeChange(name="events_volume_vs_previous_day", source_name="events",
                                   source_table="staging.stg_events__events", date_column="event_date",
                                   reference="previous_day", bounds=Bounds(0.33, 3.0), min_reference_rows=100)
EVENTS_7_DAYS = VolumeChange(name="events_volume_vs_previous_7_days", source_name="events",
                             source_table="staging.stg_events__events", date_column="event_date",
                             bounds=Bounds(0.4, 4.0), min_reference_rows=100, min_rows=1, severity=ERROR)


def test_a_volume_drop_beyond_the_bound_fails_and_names_value_and_bound(warehouse):
    # 1,000 events on each of the 7 days before, 300 on the analysis date: 300 / 1,000 = 0.3 against the day
    # before (bound [0.33, 3]) and against the 7-day mean of 1,000 (bound [0.4, 4]): both fail.
    with duckdb.connect(str(warehouse)) as connection:
        add_days(connection, "staging.stg_events__events",
                 {day(offset): 1000 for offset in range(-7, 0)} | {AS_OF: 300})
    previous_day, seven_days = judge(warehouse, EVENTS_PREVIOUS_DAY, EVENTS_7_DAYS)
    assert (previous_day.passed, previous_day.observed_value) == (False, pytest.approx(0.3))
    assert (seven_days.passed, seven_days.observed_value, seven_days.severity) == (False, pytest.approx(0.3), ERROR)
    assert (seven_days.lower_bound, seven_days.upper_bound) == (0.4, 4.0)
    assert (seven_days.table_name, seven_days.subject, seven_days.as_of_date) == (COVERAGE_TABLE, "events", AS_OF)
    assert seven_days.message.startswith("observed 0.3, outside bound [0.4, 4] (300 rows of staging.stg_events__events "
                                         "on 2026-10-31 vs a mean of 1,000 a day over the 7 days before)")
    assert previous_day.message.startswith("observed 0.3, outside bound [0.33, 3] (300 rows of "
                                           "staging.stg_events__events on 2026-10-31 vs 1,000 on 2026-10-30)")


def test_volume_within_bounds_passes(warehouse):
    # 900 then 1,200 on the day: 1,200 / 900 = 1.33 (the day before); mean (6 x 1,000 + 900) / 7 = 985.7.
    with duckdb.connect(str(warehouse)) as connection:
        add_days(connection, "staging.stg_events__events",
                 {day(offset): 1000 for offset in range(-7, -1)} | {day(-1): 900, AS_OF: 1200})
    previous_day, seven_days = judge(warehouse, EVENTS_PREVIOUS_DAY, EVENTS_7_DAYS)
    assert previous_day.passed and previous_day.observed_value == pytest.approx(1200 / 900)
    assert seven_days.passed and seven_days.observed_value == pytest.approx(1200 / (6900 / 7))


def test_first_week_of_a_source_averages_over_the_days_it_has(warehouse):
    # The source starts on 10-29: 100, 100, then 120 on the analysis date. The mean is over 2 days (100), not 7
    # (28.6, which would make the day look 4.2 times too big).
    with duckdb.connect(str(warehouse)) as connection:
        add_days(connection, "staging.stg_events__events", {day(-2): 100, day(-1): 100, AS_OF: 120})
    [result] = judge(warehouse, EVENTS_7_DAYS)
    assert result.passed and result.observed_value == pytest.approx(1.2)
    assert "a mean of 100 a day over the 2 days before" in result.message


def test_a_source_with_too_few_reference_rows_is_judged_only_on_a_minimum(warehouse):
    # Tickets: 2 on 10-28, 1 on 10-30, none on the analysis date. First day 10-28: mean over 3 days = 1 < 5
    # reference rows, so no ratio: 0 rows passes a minimum of 0 and fails a minimum of 1.
    with duckdb.connect(str(warehouse)) as connection:
        add_days(connection, "staging.stg_support__tickets", {day(-3): 2, day(-1): 1})
    tickets = VolumeChange(name="tickets_volume_vs_previous_7_days", source_name="tickets",
                           source_table="staging.stg_support__tickets", date_column="created_date",
                           bounds=Bounds(0.1, 10.0), min_reference_rows=5)
    lenient, strict = judge(warehouse, tickets, replace(tickets, name="strict", min_rows=1))
    assert (lenient.passed, lenient.observed_value, lenient.lower_bound, lenient.upper_bound) == (True, 0.0, 0, None)
    assert "fewer than 5 reference rows, so only the day's rows are judged" in lenient.message
    assert (strict.passed, strict.observed_value, strict.lower_bound) == (False, 0.0, 1)
    assert strict.message.startswith("observed 0, outside bound >= 1")


# --- null rates -------------------------------------------------------------------------------------------------

def test_null_rate_below_at_and_above_the_ceiling(warehouse):
    # 10 orders on the analysis date, 2 without a person: 0.2. Orders of the day before (all without a person)
    # are outside the slice. Ceiling 0.1 fails, 0.2 passes (bounds are inclusive), 0.3 passes.
    with duckdb.connect(str(warehouse)) as connection:
        add_orders(connection, AS_OF, 8)
        add_orders(connection, AS_OF, 2, person_id=None)
        add_orders(connection, day(-1), 5, person_id=None)
    check = NullRate(name="null_rate_person_id", table="marts.fct_orders", column="person_id", ceiling=0.1,
                     date_column="ordered_date", min_rows=10, severity=ERROR)
    above, at, below = judge(warehouse, check, replace(check, name="at", ceiling=0.2),
                             replace(check, name="below", ceiling=0.3))
    assert (above.passed, above.observed_value, above.upper_bound, above.column_name) == (
        False, pytest.approx(0.2), 0.1, "person_id")
    assert above.message == ("observed 20%, outside bound <= 10% (2 of 10 rows dated 2026-10-31 have no person_id)")
    assert (at.passed, below.passed) == (True, True)


def test_null_rate_on_too_few_rows_is_not_judged_and_a_dimension_is_judged_whole(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        add_orders(connection, AS_OF, 3, person_id=None)
        connection.execute("insert into marts.dim_person_profiles values ('p1', 'high', 'active', 'ios', 'c1'), "
                           "('p2', 'low', null, 'web', 'c2'), ('p3', 'low', null, null, 'c1'), "
                           "('p4', 'low', 'new', 'web', 'c2')")
    orders = NullRate(name="null_rate_person_id", table="marts.fct_orders", column="person_id", ceiling=0.1,
                      date_column="ordered_date", min_rows=10)
    lifecycle = NullRate(name="null_rate_lifecycle_stage", table="marts.dim_person_profiles",
                         column="lifecycle_stage", ceiling=0.4)
    few, whole = judge(warehouse, orders, lifecycle)
    assert (few.passed, few.observed_value) == (True, None)
    assert few.message.startswith("not judged (3 of 3 rows dated 2026-10-31 have no person_id: fewer than 10 rows)")
    # 2 of 4 persons have no lifecycle stage: 0.5 > 0.4.
    assert (whole.passed, whole.observed_value) == (False, 0.5)


# --- quarantine -------------------------------------------------------------------------------------------------

def test_quarantine_rate_of_the_latest_load_against_the_source_ceiling(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("""
            insert into marts.rpt_source_row_accounting values
                ('events', 'load_1', '2026-10-30 01:00', 1000, 500),  -- an old bad load: not the latest
                ('events', 'load_2', '2026-10-31 01:00', 1000, 20),   -- 0.02 <= 0.05
                ('orders', 'load_2', '2026-10-31 01:00', 200, 10),    -- 0.05: above the orders ceiling 0.02
                ('tickets', 'load_2', '2026-10-31 01:00', 10, 5)      -- 10 raw rows < 100: not judged
        """)
    check = QuarantineRate(name="quarantine_rate", table="marts.rpt_source_row_accounting",
                           default=Bounds(upper=0.05), overrides={"orders": Bounds(upper=0.02)}, min_raw_rows=100)
    results = judge(warehouse, check)
    assert [(result.subject, result.passed) for result in results] == [
        ("events", True), ("orders", False), ("tickets", True)]
    assert only(results, "events").observed_value == pytest.approx(0.02)
    orders = only(results, "orders")
    assert (orders.observed_value, orders.upper_bound) == (pytest.approx(0.05), 0.02)
    assert orders.message == "observed 5%, outside bound <= 2% (10 of 200 raw rows of load load_2 quarantined)"
    assert only(results, "tickets").message.startswith("not judged")
    # Without the override, 0.05 is at the default ceiling and passes.
    assert all(result.passed for result in judge(warehouse, replace(check, overrides={})))


# --- segments and tags ----------------------------------------------------------------------------------------

def test_segment_share_bounds_and_overrides(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("""
            insert into marts.dim_segments values
                ('almost_everyone', 95, 0.95),  -- above 0.9
                ('empty', 0, 0.0),              -- not above 0: the lower bound is exclusive
                ('half', 50, 0.5),
                ('at_the_limit', 90, 0.9),      -- the upper bound is inclusive
                ('cluster__a', 93, 0.93),       -- the cluster__* override allows up to 0.95
                ('nobody_to_count', 0, null)    -- no persons at all: not judged
        """)
    check = SegmentShare(name="segment_share", table="marts.dim_segments",
                         overrides={"cluster__*": Bounds(lower=0.01, upper=0.95)})
    results = {result.subject: result for result in judge(warehouse, check)}
    assert {subject: result.passed for subject, result in results.items()} == {
        "almost_everyone": False, "empty": False, "half": True, "at_the_limit": True, "cluster__a": True,
        "nobody_to_count": True}
    assert results["almost_everyone"].message == ("observed 95%, outside bound (0%, 90%] "
                                                  "(almost_everyone holds 95 persons)")
    assert results["empty"].message.startswith("observed 0%, outside bound (0%, 90%]")
    assert (results["cluster__a"].lower_bound, results["cluster__a"].upper_bound) == (0.01, 0.95)
    assert results["nobody_to_count"].message.startswith("not judged")


def test_tag_coverage_against_the_catalog_bound_or_an_override(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("""
            insert into marts.dim_tag_catalog values
                ('rare', 4, 100, 0.04), ('at_bound', 5, 100, 0.05), ('overridden', 40, 100, 0.4),
                ('unbounded', 1, 100, 0.01)
        """)
        connection.execute("insert into marts.rpt_tag_quality values ('rare', 0.05), ('at_bound', 0.05), "
                           "('overridden', 0.05), ('unbounded', null)")
    check = TagCoverage(name="tag_coverage", table="marts.dim_tag_catalog",
                        overrides={"overridden": Bounds(lower=0.5)})
    results = {result.subject: result for result in judge(warehouse, check)}
    assert {subject: result.passed for subject, result in results.items()} == {
        "rare": False, "at_bound": True, "overridden": False, "unbounded": True}
    assert results["rare"].message == "observed 4%, outside bound >= 5% (4 of 100 persons have a value of rare)"
    assert results["overridden"].lower_bound == 0.5
    assert results["unbounded"].message.startswith("not judged")


# --- distributions ------------------------------------------------------------------------------------------------

REVENUE_MEDIAN = DistributionShift(name="revenue_median_shift", table="marts.fct_orders", column="revenue_amount",
                                   date_column="ordered_date", condition="is_value_order", quantile=0.5,
                                   bounds=Bounds(0.5, 2.0), min_recent_rows=30, min_baseline_rows=100, severity=ERROR)


def add_baseline_orders(connection: duckdb.DuckDBPyConnection) -> None:
    # 100 paid orders of 100 in the baseline (09-27 .. 10-24): median and p95 100, so the bounds are [50, 200].
    # Orders just outside it (09-26) must not count.
    add_orders(connection, day(-34), 60, revenue=100.0)
    add_orders(connection, day(-7), 40, revenue=100.0)
    add_orders(connection, day(-35), 500, revenue=1.0)


def test_a_revenue_median_shift_beyond_the_bound_fails(warehouse):
    # Last 7 days: 10 paid orders of 100 and 30 of 300 (median of the 40 = 300 = 3 x the baseline's 100, above
    # 200), plus 100 refunded orders of 0 that are not paid orders and must not pull the median down.
    with duckdb.connect(str(warehouse)) as connection:
        add_baseline_orders(connection)
        add_orders(connection, day(-6), 10, revenue=100.0)
        add_orders(connection, AS_OF, 30, revenue=300.0)
        add_orders(connection, day(-3), 100, revenue=0.0, is_value_order=False)
    [result] = judge(warehouse, REVENUE_MEDIAN)
    assert (result.passed, result.observed_value, result.lower_bound, result.upper_bound) == (False, 300.0, 50.0, 200.0)
    assert result.message.startswith("observed 300, outside bound [50, 200] (median of 40 rows 2026-10-25..2026-10-31 "
                                     "= 3 x the median 100 over 100 rows 2026-09-27..2026-10-24")


def test_revenue_p95_uses_linear_interpolation_and_a_small_window_is_not_judged(warehouse):
    # Recent values 10, 20, ..., 400 (40 orders): p95 at position 39 x 0.95 = 37.05 between 380 and 390 -> 380.5,
    # above 2 x 100. The median of the same values is (200 + 210) / 2 = 205, also above 200.
    with duckdb.connect(str(warehouse)) as connection:
        add_baseline_orders(connection)
        connection.execute("insert into marts.fct_orders select ?, 'p', 'web', (i + 1) * 10.0, true from range(40) "
                           "as values_(i)", [AS_OF])
    p95 = replace(REVENUE_MEDIAN, name="revenue_p95_shift", quantile=0.95)
    median, percentile, too_few = judge(warehouse, REVENUE_MEDIAN, p95, replace(p95, name="small", min_recent_rows=50))
    assert (median.passed, median.observed_value) == (False, pytest.approx(205.0))
    assert (percentile.passed, percentile.observed_value) == (False, pytest.approx(380.5))
    assert (too_few.passed, too_few.observed_value) == (True, None)
    assert too_few.message.startswith("not judged (40 rows 2026-10-25..2026-10-31 (at least 50)")


def test_session_length_within_bounds_passes(warehouse):
    # Baseline durations 60 s (500 sessions), recent 70 s (200): 70 / 60 = 1.17 within [0.67, 1.5].
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("insert into marts.fct_sessions select ?, 'web', 'home', 60.0 from range(500)", [day(-10)])
        connection.execute("insert into marts.fct_sessions select ?, 'web', 'home', 70.0 from range(200)", [day(-1)])
    check = DistributionShift(name="session_length_median_shift", table="marts.fct_sessions",
                              column="duration_seconds", date_column="session_date", bounds=Bounds(0.67, 1.5),
                              min_recent_rows=200, min_baseline_rows=500, unit="seconds")
    [result] = judge(warehouse, check)
    assert (result.passed, result.observed_value) == (True, 70.0)
    assert (result.lower_bound, result.upper_bound) == (pytest.approx(40.2), pytest.approx(90.0))
    assert result.message.startswith("observed 70 s, within bound [40.2 s, 90 s]")


def test_a_check_that_cannot_be_measured_fails_with_the_error(warehouse):
    check = NullRate(name="null_rate_missing", table="marts.no_such_table", column="x", ceiling=0.1)
    [result] = judge(warehouse, check)
    assert not result.passed and result.message.startswith("could not be measured: Catalog Error")


# --- the results table ----------------------------------------------------------------------------------------

def test_results_are_appended_once_per_check_per_run(warehouse):
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("insert into marts.dim_segments values ('everyone', 100, 1.0), ('some', 10, 0.1)")
        add_orders(connection, AS_OF, 10, person_id=None)
    checks = (SegmentShare(name="segment_share", table="marts.dim_segments"),
              NullRate(name="null_rate_person_id", table="marts.fct_orders", column="person_id", ceiling=0.25,
                       date_column="ordered_date", min_rows=1, severity=ERROR))
    results = judge(warehouse, *checks)
    assert len(results) == 3  # two segments, one null rate
    before = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(warehouse)) as connection:
        assert store_results(connection, results, "run_1") == 3
        assert store_results(connection, results, "run_1") == 3  # a retried step: replaced, not doubled
        store_results(connection, results[:2], "run_2")
        counts = connection.execute(f"select run_id, count(*) from {RESULTS_TABLE} group by 1 order by 1").fetchall()
        columns = [row[0] for row in connection.execute(f"describe {RESULTS_TABLE}").fetchall()]
        stored = connection.execute(f"""
            select checked_at, as_of_date, suite, check_name, table_name, column_name, subject, observed_value,
                lower_bound, upper_bound, passed, severity
            from {RESULTS_TABLE} where run_id = 'run_1' and check_name = 'null_rate_person_id'
        """).fetchone()
    assert counts == [("run_1", 3), ("run_2", 2)]
    assert columns == list(RESULT_COLUMNS)
    checked_at, *rest = stored
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before - timedelta(seconds=5) <= checked_at <= after + timedelta(seconds=5)  # naive UTC
    assert rest == [AS_OF, "null_rates", "null_rate_person_id", "marts.fct_orders", "person_id", "", 1.0, None,
                    0.25, False, ERROR]
    # The summary reads the latest run (run_2: the segment 'everyone' at 100% warns; the null rate was not stored).
    assert describe_expectations(warehouse) == [
        "2 expectation results as of 2026-10-31: 1 passed, 1 warned, 0 failed",
        "warned  segment_share on marts.dim_segments [everyone]: observed 100%, outside bound (0%, 90%] "
        "(everyone holds 100 persons)",
    ]


def test_describe_expectations_without_results_is_empty(tmp_path, warehouse):
    assert describe_expectations(warehouse) == []
    assert describe_expectations(tmp_path / "missing.duckdb") == []


# --- the Dagster checks -----------------------------------------------------------------------------------------

def test_every_check_has_one_blocking_spec_so_downstream_waits_for_its_verdict():
    specs = {spec.key: spec for spec in expectations.check_specs}
    assert set(specs) == {AssetCheckKey(AssetKey(check.table.split(".")), check.name) for check in CHECKS}
    assert len(specs) == len(CHECKS)  # no two checks share a name on one table
    for check in CHECKS:
        spec = specs[check_key(check)]
        assert check.severity in (ERROR, WARN)
        # Downstream (the publication) waits for every check; only severity error stops it (see check_result).
        assert spec.blocking, check.name
        assert spec.asset_key.path[0] in ("marts", "staging")
        deps = {dep.asset_key for dep in spec.additional_deps}
        assert table_asset_key(COVERAGE_TABLE) in deps or check.table == COVERAGE_TABLE
        assert {table_asset_key(table) for table in check.read_tables()} <= deps
    # The gates the publication relies on: the feeds' volume and the attribution of orders block.
    blocking = {(spec.asset_key.to_user_string(), spec.name) for spec in specs.values() if spec.blocking}
    assert ("marts/rpt_data_coverage", "events_volume_vs_previous_7_days") in blocking
    assert ("marts/fct_orders", "null_rate_person_id") in blocking
    assert check_spec(CHECKS[0]).description.startswith("Great Expectations (volume, warn): ")


def test_a_failing_blocking_check_stops_the_downstream_asset_through_dagster(warehouse, monkeypatch):
    # Every table of CHECKS exists. 200 events a day for 8 days (every volume ratio 1); on the analysis date 40
    # orders, 20 without a person: 50% > 25%, an error. The other tables are empty: not judged, or no subjects.
    with duckdb.connect(str(warehouse)) as connection:
        add_days(connection, "staging.stg_events__events", {day(offset): 200 for offset in range(-7, 1)})
        add_orders(connection, AS_OF, 20)
        add_orders(connection, AS_OF, 20, person_id=None)
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    tables = sorted({check.table for check in CHECKS} | {table for check in CHECKS for table in check.read_tables()}
                    | {COVERAGE_TABLE})

    @multi_asset(specs=[AssetSpec(table_asset_key(table)) for table in tables])
    def warehouse_tables():
        for table in tables:
            yield MaterializeResult(asset_key=table_asset_key(table))

    @asset(deps=[AssetKey(["marts", "fct_orders"])])
    def published() -> None:
        return None

    definitions = Definitions(assets=[warehouse_tables, published], asset_checks=[expectations],
                              jobs=[define_asset_job("gate", AssetSelection.all())])
    with DagsterInstance.ephemeral() as instance:
        result = definitions.resolve_job_def("gate").execute_in_process(instance=instance, raise_on_error=False)
    evaluations = {check_key(check): None for check in CHECKS}
    for evaluation in result.get_asset_check_evaluations():
        evaluations[AssetCheckKey(evaluation.asset_key, evaluation.check_name)] = evaluation
    assert all(evaluations.values())  # every check reported
    failed = {key.name for key, evaluation in evaluations.items() if not evaluation.passed}
    assert failed == {"null_rate_person_id"}
    attribution = evaluations[AssetCheckKey(AssetKey(["marts", "fct_orders"]), "null_rate_person_id")]
    assert attribution.severity.value == "ERROR" and attribution.blocking
    assert attribution.metadata["observed_value"].value == 0.5
    assert "observed 50%, outside bound <= 25%" in attribution.metadata["message"].value
    assert not result.success
    assert AssetKey("published") not in {event.asset_key for event in result.get_asset_materialization_events()}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        stored = connection.execute(
            f"select count(*), count_if(not passed) from {RESULTS_TABLE} where run_id = ?", [result.run_id]
        ).fetchone()
    # One row per check and subject: the checks of a table with one row per subject found none here.
    per_subject = (QuarantineRate, SegmentShare, TagCoverage)
    assert stored == (len([check for check in CHECKS if not isinstance(check, per_subject)]), 1)
