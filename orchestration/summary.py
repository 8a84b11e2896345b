"""The end-of-run summary of `make run`: what was read, quarantined and built, and which checks failed.

Collected from the Dagster run (materializations, check evaluations, step failures) and from the
warehouse, opened read-only once the run is over.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import AssetCheckEvaluation, AssetCheckSeverity, ExecuteInProcessResult

from orchestration.assets.freshness import FRESHNESS_CHECK_NAME
from orchestration.settings import RAW_SOURCES

MAX_ERROR_LINES = 12
RAW_LOAD_FIELDS = ("files_loaded", "files_unchanged", "files_removed", "rows_loaded", "rows_rejected_by_reader")
CHECK_DETAIL_KEYS = ("status", "age_hours", "dagster_dbt/failed_row_count", "message", "error")


@dataclass
class CheckOutcome:
    """One check of the run: 'passed', 'warned' (failed, warning severity) or 'failed' (error severity)."""

    asset: str
    name: str
    outcome: str
    detail: str = ""


@dataclass
class RefreshSummary:
    run_id: str
    succeeded: bool
    warehouse_path: Path
    elapsed_seconds: float
    log_path: Path | None = None
    raw_loads: dict[str, dict[str, int]] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    freshness: list[CheckOutcome] = field(default_factory=list)
    failed_steps: list[tuple[str, list[str]]] = field(default_factory=list)
    # Filled from the warehouse; None when the mart does not exist there.
    row_accounting: list[tuple[str, int, int, int, int]] | None = None
    quarantine_reasons: list[tuple[str, str, int]] | None = None
    mart_rows: list[tuple[str, int]] = field(default_factory=list)
    warehouse_error: str = ""
    # Identity resolution: persons and the largest one; accuracy when the raw data has a ground truth.
    identity_lines: list[str] = field(default_factory=list)
    # Behavior headline figures as of the analysis date.
    behavior_lines: list[str] = field(default_factory=list)
    # Value headline figures as of the analysis date.
    value_lines: list[str] = field(default_factory=list)
    # Tag quality and segment sizes as of the analysis date.
    tag_lines: list[str] = field(default_factory=list)
    segment_lines: list[str] = field(default_factory=list)
    # Great Expectations results of the run (quality.expectation_results) and what BI readers now see.
    expectation_lines: list[str] = field(default_factory=list)
    publication_lines: list[str] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [check for check in self.checks + self.freshness if check.outcome == "failed"]

    @property
    def exit_code(self) -> int:
        """Non-zero when the run failed or a data check of error severity failed.

        A stale source is reported (and fails its freshness check in Dagster) but does not fail `make run`:
        re-running on a raw directory that has not changed, like the demo data set days later, is legitimate.
        """
        blocking = [check for check in self.checks if check.outcome == "failed"]
        return 0 if self.succeeded and not blocking else 1


def _value(metadata: dict, key: str) -> object:
    value = metadata.get(key)
    return getattr(value, "value", value)


def _check_outcome(evaluation: AssetCheckEvaluation) -> CheckOutcome:
    if evaluation.passed:
        outcome = "passed"
    else:
        outcome = "warned" if evaluation.severity == AssetCheckSeverity.WARN else "failed"
    metadata = evaluation.metadata or {}
    details = [
        f"{key.removeprefix('dagster_dbt/')}={_value(metadata, key)}"
        for key in CHECK_DETAIL_KEYS
        if _value(metadata, key) is not None
    ]
    asset = evaluation.asset_key.to_user_string()
    return CheckOutcome(asset, evaluation.check_name, outcome, ", ".join(details))


def _test_observation_outcomes(result: ExecuteInProcessResult) -> list[CheckOutcome]:
    """dbt tests that are not asset checks (a test on several models) arrive as asset observations."""
    outcomes: dict[str, CheckOutcome] = {}
    for event in result.get_asset_observation_events():
        observation = event.asset_observation_data.asset_observation
        unique_id = str(_value(observation.metadata, "unique_id") or "")
        status = str(_value(observation.metadata, "status") or "")
        if unique_id.startswith("test.") and unique_id not in outcomes:
            outcome = {"pass": "passed", "warn": "warned"}.get(status, "failed")
            name = unique_id.split(".")[2]
            asset = observation.asset_key.to_user_string()
            outcomes[unique_id] = CheckOutcome(asset, name, outcome, f"status={status}")
    return list(outcomes.values())


def _read_warehouse(summary: RefreshSummary) -> None:
    try:
        connection = duckdb.connect(str(summary.warehouse_path), read_only=True)
    except duckdb.Error as error:
        summary.warehouse_error = str(error).splitlines()[0]
        return
    with connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        for name in tables:
            count = connection.execute(f'select count(*) from marts."{name}"').fetchall()[0][0]
            summary.mart_rows.append((f"marts.{name}", count))
        if "rpt_source_row_accounting" in tables:
            summary.row_accounting = connection.execute(
                "select source_name, sum(count_raw_rows), sum(count_clean_rows), sum(count_duplicate_rows), "
                "sum(count_quarantined_rows) from marts.rpt_source_row_accounting group by 1 order by 1"
            ).fetchall()
        if "rpt_quarantine_reasons" in tables:
            summary.quarantine_reasons = connection.execute(
                "select source_name, reason_code, count_rows from marts.rpt_quarantine_reasons "
                "order by source_name, count_rows desc, reason_code"
            ).fetchall()


def collect_summary(
    result: ExecuteInProcessResult, warehouse_path: Path, elapsed_seconds: float, log_path: Path | None = None
) -> RefreshSummary:
    summary = RefreshSummary(result.run_id, result.success, warehouse_path, elapsed_seconds, log_path)
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if "files_loaded" in materialization.metadata:  # a raw source (not the file manifest)
            metadata = materialization.metadata
            summary.raw_loads[materialization.asset_key.path[-1]] = {
                "total_rows": int(_value(metadata, "dagster/row_count") or 0),
                **{key: int(_value(metadata, key) or 0) for key in RAW_LOAD_FIELDS},
            }
    for evaluation in result.get_asset_check_evaluations():
        is_freshness = evaluation.check_name == FRESHNESS_CHECK_NAME
        (summary.freshness if is_freshness else summary.checks).append(_check_outcome(evaluation))
    summary.checks.extend(_test_observation_outcomes(result))
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        message = [line.rstrip() for line in (error.message if error else "").splitlines() if line.strip()]
        summary.failed_steps.append((event.step_key or "?", message[:MAX_ERROR_LINES] or ["failed"]))
    if warehouse_path.exists():
        _read_warehouse(summary)
    else:
        summary.warehouse_error = "the warehouse file was not created"
    return summary


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def _source_order(source: str) -> tuple[int, str]:
    return (RAW_SOURCES.index(source) if source in RAW_SOURCES else len(RAW_SOURCES), source)


def _raw_lines(summary: RefreshSummary) -> list[str]:
    lines = ["Rows read per raw source        rows in raw table   loaded this run   files loaded/same/removed"]
    for source in sorted(summary.raw_loads, key=_source_order):
        load = summary.raw_loads[source]
        unreadable = load["rows_rejected_by_reader"]
        lines.append(
            f"  {source:<28} {load['total_rows']:>18,} {load['rows_loaded']:>17,}   "
            f"{load['files_loaded']}/{load['files_unchanged']}/{load['files_removed']}"
            + (f"   ({unreadable:,} unreadable)" if unreadable else "")
        )
    return lines if summary.raw_loads else lines + ["  (the raw ingest did not run)"]


def _quality_lines(summary: RefreshSummary) -> list[str]:
    lines = ["Raw rows accounted (marts.rpt_source_row_accounting)   raw        clean   duplicate  quarantined"]
    if summary.row_accounting is None:
        lines.append("  (not built in this warehouse)")
    for source, raw, clean, duplicate, quarantined in summary.row_accounting or []:
        lines.append(f"  {source:<48} {raw:>9,} {clean:>12,} {duplicate:>11,} {quarantined:>12,}")
    lines += ["", "Rows quarantined by reason (marts.rpt_quarantine_reasons)"]
    if summary.quarantine_reasons is None:
        lines.append("  (not built in this warehouse)")
    elif not summary.quarantine_reasons:
        lines.append("  none")
    for source, reason_code, count_rows in summary.quarantine_reasons or []:
        lines.append(f"  {source:<20} {reason_code:<28} {count_rows:>12,}")
    return lines


def _check_lines(summary: RefreshSummary) -> list[str]:
    counts = {outcome: 0 for outcome in ("passed", "warned", "failed")}
    for check in summary.checks:
        counts[check.outcome] += 1
    lines = [f"Checks: {counts['passed']} passed, {counts['warned']} warned, {counts['failed']} failed"]
    for check in summary.checks:
        if check.outcome != "passed":
            detail = f"  ({check.detail})" if check.detail else ""
            lines.append(f"  {check.outcome:<7} {check.asset}: {check.name}{detail}")
    lines += ["", "Source freshness"]
    for check in sorted(summary.freshness, key=lambda check: _source_order(check.asset.split("/")[-1])):
        lines.append(f"  {check.asset:<28} {check.outcome:<7} {check.detail}")
    return lines if summary.freshness else lines + ["  (not checked)"]


# DuckDB's words when another process holds the file ("Could not set lock on file ...: Conflicting lock").
LOCK_ERROR = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)


def closing_lines(summary: RefreshSummary) -> list[str]:
    """The run's last words on a failure: what stopped it and what BI readers see, in one place.

    Another process holding the warehouse file is named only when DuckDB said so; otherwise failed checks
    of error severity (they block the publication) and failed steps are counted.
    """
    if summary.exit_code == 0:
        return []
    failure_text = "\n".join("\n".join(message) for _, message in summary.failed_steps)
    if LOCK_ERROR.search(failure_text):
        return ["Another process holds the warehouse file (dagster dev? a DuckDB shell?): close it, run again."]
    blocking = [check for check in summary.checks if check.outcome == "failed"]
    reasons = []
    if blocking:
        reasons.append(f"{len(blocking)} blocking check{'s' if len(blocking) != 1 else ''} failed "
                       f"(first: {blocking[0].asset}: {blocking[0].name})")
    if summary.failed_steps:
        reasons.append(f"{len(summary.failed_steps)} step{'s' if len(summary.failed_steps) != 1 else ''} failed "
                       f"(first: {summary.failed_steps[0][0]})")
    why = "; ".join(reasons) or "the run did not succeed"
    return [f"Publication withheld: {why}. BI readers keep the previous publication; see 'Checks' and 'Failed "
            f"steps' above, fix the cause and run again."]


def format_summary(summary: RefreshSummary) -> str:
    status = "SUCCEEDED" if summary.exit_code == 0 else "FAILED"
    elapsed = _duration(summary.elapsed_seconds)
    lines = ["", f"Refresh {status} (Dagster run {summary.run_id[:8]}) in {elapsed}", ""]
    lines += _raw_lines(summary) + [""] + _quality_lines(summary) + ["", "Rows per mart"]
    lines += [f"  {table:<48} {rows:>12,}" for table, rows in summary.mart_rows] or ["  (no marts built)"]
    if summary.warehouse_error:
        lines.append(f"  could not read the warehouse: {summary.warehouse_error}")
    if summary.identity_lines:
        lines += ["", "Identity resolution"] + [f"  {line}" for line in summary.identity_lines]
    if summary.behavior_lines:
        lines += ["", "Behavior (as of the analysis date)"] + [f"  {line}" for line in summary.behavior_lines]
    if summary.value_lines:
        lines += ["", "Value (as of the analysis date)"] + [f"  {line}" for line in summary.value_lines]
    if summary.tag_lines:
        lines += ["", "Tags (marts.rpt_tag_quality)"] + [f"  {line}" for line in summary.tag_lines]
    if summary.segment_lines:
        lines += ["", "Segments (marts.rpt_segment_sizes)"] + [f"  {line}" for line in summary.segment_lines]
    if summary.expectation_lines:
        lines += ["", "Great Expectations (quality.expectation_results)"]
        lines += [f"  {line}" for line in summary.expectation_lines]
    lines += [""] + _check_lines(summary)
    if summary.publication_lines:
        lines += ["", "Published for BI readers"] + [f"  {line}" for line in summary.publication_lines]
    if summary.failed_steps:
        lines += ["", "Failed steps"]
        for step_key, message in summary.failed_steps:
            lines += [f"  {step_key}: {message[0]}"] + [f"      {line}" for line in message[1:]]
        if summary.log_path:
            lines.append(f"  full log (Dagster events, dbt output): {summary.log_path}")
    lines += ["", f"Warehouse: {summary.warehouse_path}", f"Elapsed:   {elapsed}"]
    lines += closing_lines(summary) + [""]
    return "\n".join(lines)


def describe_identity(warehouse_path: Path, truth_dir: Path, salt: str) -> list[str]:
    """Summary lines on identity resolution: person counts, and pairwise accuracy against a ground truth
    (the demo data set's truth/identifiers.parquet) when there is one."""
    from orchestration.identity_accuracy import measure_identity_accuracy

    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            persons, largest, suspicious, shared, blocked = connection.execute(
                "select count(*), coalesce(max(count_identifiers), 0), count_if(is_suspicious_component), "
                "count_if(has_shared_identifier), count_if(is_linked_to_blocked_identifier) from marts.dim_persons"
            ).fetchall()[0]
    except duckdb.Error:
        return []  # identity marts not built (a failed run)
    lines = [
        f"{persons:,} persons; the largest has {largest:,} identifiers; {suspicious:,} suspicious components; "
        f"{shared:,} hold a shared identifier (kiosk, shared browser); {blocked:,} were seen with a blocked value"
    ]
    if (truth_dir / "identifiers.parquet").exists():
        accuracy = measure_identity_accuracy(warehouse_path, truth_dir, salt)
        lines.append(
            f"vs the demo ground truth: pairwise precision {accuracy.precision:.4%} (target 99.9%), "
            f"recall {accuracy.linkable_recall:.4%} (target 99%) of the {accuracy.linkable_pairs:,} same-person "
            f"pairs the raw data links"
        )
        lines.append(
            f"  ({accuracy.recall:.4%} of all {accuracy.true_pairs:,} true pairs: the rest never appear in a raw "
            f"record with another identifier of their person; {accuracy.evaluated_identifiers:,} identifiers)"
        )
    return lines


def describe_behavior(warehouse_path: Path) -> list[str]:
    """Headline behavior figures: sessions, active persons and stickiness on the analysis date, lifecycle
    stages, the purchase funnel's conversion (else the first funnel's) and each experiment's lift. Empty when the
    marts are missing."""
    lines = []
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            sessions, persons, bounce, engaged = connection.execute(
                "select count(*), count(distinct person_id), avg(case when is_bounce then 1.0 else 0 end), "
                "avg(case when is_engaged then 1.0 else 0 end) from marts.fct_sessions"
            ).fetchall()[0]
            lines.append(f"{sessions:,} sessions of {persons:,} persons; bounce rate {bounce or 0:.1%}, "
                         f"engaged {engaged or 0:.1%}")
            active = connection.execute(
                "select activity_date, count_active_persons, count_active_persons_last_7_days, "
                "count_active_persons_last_30_days, stickiness from marts.rpt_active_persons "
                "where platform = 'all' and channel = 'all' order by activity_date desc limit 1"
            ).fetchall()
            if active:
                day, dau, wau, mau, stickiness = active[0]
                lines.append(f"{day}: DAU {dau:,}, WAU {wau:,}, MAU {mau:,}, DAU/MAU {stickiness or 0:.3f}")
            stages = connection.execute(
                "select lifecycle_stage, count(*), count_if(has_churn_warning) from marts.dim_person_lifecycle_stages "
                "group by all order by 2 desc"
            ).fetchall()
            if stages:
                lines.append("lifecycle stages: " + ", ".join(f"{stage} {count:,}" for stage, count, _ in stages)
                             + f"; churn warning on {sum(flagged for *_, flagged in stages):,}")
            funnel = connection.execute(
                "select funnel_key, step_name, persons, conversion_rate_from_first_step from marts.rpt_funnel_steps "
                "where breakdown_dimension = 'all' and funnel_key = (select funnel_key from marts.rpt_funnel_steps "
                "order by funnel_key <> 'purchase', funnel_key limit 1) order by step_number"
            ).fetchall()
            if funnel:
                lines.append(f"funnel {funnel[0][0]}: " + " > ".join(
                    f"{step} {persons:,}" for _, step, persons, _ in funnel
                ) + f" ({funnel[-1][3] or 0:.1%} convert)")
            for experiment, variation, exposed, rate, lift, lower, upper, p_value in connection.execute(
                "select experiment_id, variation_id, persons_exposed, conversion_rate, relative_lift, "
                "relative_lift_ci_lower, relative_lift_ci_upper, p_value from marts.rpt_experiment_results "
                "where not is_control order by 1, 2"
            ).fetchall():
                lines.append(f"experiment {experiment} / {variation}: {exposed:,} exposed, converts {rate or 0:.1%}, "
                             f"relative lift {lift or 0:+.1%} (95% CI {lower or 0:+.1%} .. {upper or 0:+.1%}, "
                             f"p = {p_value if p_value is not None else float('nan'):.4f})")
    except duckdb.Error:
        return lines  # behavior marts not built (a failed run): print what was read
    return lines


def describe_value(warehouse_path: Path) -> list[str]:
    """Headline value figures: buyers, revenue and orders, RFM segments, value tiers, the fitted customer-value
    models and their back-test. Empty when the marts are missing."""
    lines = []
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            buyers, orders, revenue, refunded, cancelled, predicted = connection.execute(
                "select count(*), coalesce(sum(count_orders), 0), coalesce(sum(revenue), 0), "
                "coalesce(sum(count_refunded_orders), 0), coalesce(sum(count_cancelled_orders), 0), "
                "sum(predicted_clv) from marts.fct_person_value"
            ).fetchall()[0]
            if not buyers:
                return ["no buyers (no paid orders up to the analysis date)"]
            lines.append(f"{buyers:,} buyers; revenue {revenue:,.2f} from {orders:,} value orders (AOV "
                         f"{revenue / orders:,.2f}); their {refunded:,} refunded and {cancelled:,} cancelled orders "
                         "not counted")
            for column, label in (("rfm_segment", "RFM segments"), ("value_tier", "value tiers")):
                counts = connection.execute(
                    f"select {column}, count(*) from marts.fct_person_value group by all order by 2 desc, 1"
                ).fetchall()
                lines.append(f"{label}: " + ", ".join(f"{name} {count:,}" for name, count in counts))
            for reference_date, model, status, customers, parameters in connection.execute(
                "select reference_date, model, any_value(status), any_value(customers), "
                "string_agg(parameter || '=' || coalesce(printf('%.4g', estimate), 'null'), ', ' order by "
                "list_position(['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma'], parameter)) "
                "from marts.rpt_clv_model_fits where not is_backtest group by all order by model"
            ).fetchall():
                lines.append(f"{model} as of {reference_date}: {status} on {customers:,} buyers; {parameters}")
            if predicted is not None:
                horizon = connection.execute("select max(clv_horizon_days) from marts.fct_person_value").fetchone()[0]
                lines.append(f"predicted value of the buyers over the next {horizon} days: {predicted:,.2f}")
            backtest = {ranking: (cutoff, share, complete, top, days) for ranking, cutoff, share, complete, top, days
                        in connection.execute(
                            "select ranking, cutoff_date, top_revenue_share, is_holdout_complete, top_share, "
                            "holdout_days from marts.rpt_clv_backtest").fetchall()}
            if "predicted_clv" in backtest and "historical_revenue" in backtest:
                cutoff, share, complete, top, days = backtest["predicted_clv"]
                baseline = backtest["historical_revenue"][1]
                lines.append(
                    f"back-test from {cutoff}: the top {top:.0%} by predicted value produced "
                    f"{share if share is not None else float('nan'):.1%} of the next {days} days' revenue, the top "
                    f"{top:.0%} by past revenue {baseline if baseline is not None else float('nan'):.1%}"
                    + ("" if complete else " (hold-out not complete yet)")
                )
    except duckdb.Error:
        return lines  # value marts not built (a failed run): print what was read
    return lines


def describe_tags(warehouse_path: Path) -> list[str]:
    """The tag-quality report: per tag its coverage, distinct values, top value and the share of persons whose
    value changed since the previous refresh, flagged tags first. Empty when the marts are missing."""
    lines: list[str] = []
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            rows = connection.execute(
                "select tag_code, category, value_type, coverage_share, count_distinct_values, top_value, "
                "top_value_share, changed_share, previous_refresh_date, quality_flag "
                "from marts.rpt_tag_quality order by quality_flag is null, category, tag_code"
            ).fetchall()
            if not rows:
                return ["no tags (the catalog is empty)"]
            persons = connection.execute("select count(*) from marts.dim_person_profiles").fetchone()[0]
            categories = Counter(row[1] for row in rows)
            flagged = [row for row in rows if row[9]]
            lines.append(f"{len(rows)} tags on {persons:,} persons ("
                         + ", ".join(f"{category} {count}" for category, count in sorted(categories.items()))
                         + f"); {len(flagged)} flagged")
            previous = next((row[8] for row in rows if row[8] is not None), None)
            lines.append("tag                                 coverage  values  top value (share)            "
                         + (f"changed since {previous}" if previous else "changed (first refresh)"))
            for code, _, _, coverage, values, top, top_share, changed, _, flag in rows:
                top_text = f"{str(top)[:20]} ({top_share:.0%})" if top is not None else "-"
                changed_text = f"{changed:.1%}" if changed is not None else "-"
                lines.append(f"{code:<36}{coverage:>8.1%}{values:>8,}  {top_text:<29}{changed_text:>7}"
                             + (f"  {flag}" if flag else ""))
    except duckdb.Error:
        return lines
    return lines


def describe_segments(warehouse_path: Path) -> list[str]:
    """Segment sizes at the analysis date with the persons who entered and left since the previous refresh,
    and the activation files written. Empty when the marts are missing."""
    lines: list[str] = []
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as connection:
            rows = connection.execute(
                "with latest as (select max(refresh_date) as refresh_date from marts.rpt_segment_sizes) "
                "select sizes.segment_key, segments.segment_kind, segments.is_exportable, sizes.count_members, "
                "sizes.count_entered, sizes.count_left, sizes.refresh_date "
                "from marts.rpt_segment_sizes as sizes inner join latest using (refresh_date) "
                "left join marts.dim_segments as segments using (segment_key) "
                "order by segments.segment_kind, sizes.count_members desc, sizes.segment_key"
            ).fetchall()
            if not rows:
                return ["no segments"]
            exported = connection.execute(
                "select count(distinct segment_key), count(*) from marts.rpt_segment_exports"
            ).fetchone()
            lines.append(f"{len(rows)} segments on {rows[0][6]}; {exported[0]} exportable with {exported[1]:,} "
                         "contactable members exported")
            lines.append("segment                                        kind     members  entered     left")
            for key, kind, exportable, members, entered, left, _ in rows:
                lines.append(f"{key[:45]:<45}{'*' if exportable else ' '} {str(kind):<8}{members:>8,}"
                             f"{entered:>9,}{left:>9,}")
            lines.append("* exported to the activation files (persons with marketing consent only)")
    except duckdb.Error:
        return lines
    return lines
