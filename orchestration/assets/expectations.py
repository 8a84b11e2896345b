"""The Great Expectations quality gates (orchestration/expectations.py) as Dagster asset checks.

One AssetCheckSpec per check of CHECKS, on the table it judges (asset key = schema, relation, as the dbt
assets are keyed). Checks of severity error are blocking: when one fails, Dagster does not run the assets
downstream of its table in other steps (the publication of the warehouse, the activation exports). The
multi-check can be subset: Dagster runs each check as soon as the tables it reads are built, in as many steps
as the lineage needs, and each step judges only its selected checks.

A step reads the warehouse on a read-only connection, then opens it for writing just long enough to append the
results to quality.expectation_results.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.assets import WAREHOUSE_POOL
from orchestration.expectations import (
    CHECKS,
    COVERAGE_TABLE,
    ERROR,
    Check,
    ExpectationResult,
    describe_results,
    format_value,
    run_expectations,
    store_results,
)
from orchestration.progress import report_progress
from orchestration.settings import load_settings

# Subjects listed in a check's metadata table (segments, tags): enough for every catalog entry of today.
MAX_METADATA_ROWS = 200


def table_asset_key(table: str) -> AssetKey:
    """staging.stg_events__events -> AssetKey(["staging", "stg_events__events"]), as the dbt assets are keyed."""
    return AssetKey(table.split("."))


def check_key(check: Check) -> AssetCheckKey:
    return AssetCheckKey(table_asset_key(check.table), check.name)


def check_spec(check: Check) -> AssetCheckSpec:
    """The Dagster spec of a check. Every check is blocking in Dagster's sense: the assets downstream of its table
    (the publication among them) wait for it, so the published copy holds this run's results; only a failure of
    severity error stops them, a warning does not."""
    reads = [table for table in (COVERAGE_TABLE, *check.read_tables()) if table != check.table]
    return AssetCheckSpec(
        name=check.name,
        asset=table_asset_key(check.table),
        description=f"Great Expectations ({check.suite}, {check.severity}): {check.describe()}",
        blocking=True,
        additional_deps=[table_asset_key(table) for table in reads],
        metadata={"suite": check.suite, "severity": check.severity},
    )


def check_result(check: Check, results: Sequence[ExpectationResult]) -> AssetCheckResult:
    """One Dagster check result from the check's results (one per subject): passed when all of them passed."""
    failed = [result for result in results if not result.passed]
    metadata: dict[str, object] = {
        "suite": MetadataValue.text(check.suite),
        "as_of_date": MetadataValue.text(str(next((result.as_of_date for result in results), "") or "")),
        "results": MetadataValue.int(len(results)),
        "failed_results": MetadataValue.int(len(failed)),
        "message": MetadataValue.text(
            "; ".join(f"{result.subject + ': ' if result.subject else ''}{result.message}" for result in failed)
            or (results[0].message if len(results) == 1 else f"all {len(results)} within their bounds")
        ),
    }
    if len(results) == 1:
        result = results[0]
        for key in ("observed_value", "lower_bound", "upper_bound"):
            value = getattr(result, key)
            if value is not None:
                metadata[key] = MetadataValue.float(float(value))
    else:
        rows = ["| subject | observed | lower | upper | passed |", "|---|---|---|---|---|"]
        for result in sorted(results, key=lambda result: (result.passed, result.subject))[:MAX_METADATA_ROWS]:
            rows.append(f"| {result.subject} | {format_value(result.observed_value, 'ratio')} | "
                        f"{format_value(result.lower_bound, 'ratio')} | {format_value(result.upper_bound, 'ratio')} | "
                        f"{'yes' if result.passed else 'NO'} |")
        metadata["subjects"] = MetadataValue.md("\n".join(rows))
    return AssetCheckResult(
        asset_key=table_asset_key(check.table),
        check_name=check.name,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if check.severity == ERROR else AssetCheckSeverity.WARN,
        metadata=metadata,
    )


@multi_asset_check(
    name="expectations",
    specs=[check_spec(check) for check in CHECKS],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def expectations(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
    settings = load_settings()
    selected = [check for check in CHECKS if check_key(check) in context.selected_asset_check_keys]
    with duckdb.connect(str(settings.warehouse_path), read_only=True, config=settings.duckdb_config) as connection:
        results = run_expectations(connection, checks=selected)
    try:
        with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config) as connection:
            store_results(connection, results, context.run.run_id)
    except duckdb.Error as error:
        # The verdicts still gate the run; only their record is missing.
        context.log.warning(f"expectation results not stored: {error}")
    for line in describe_results(results):
        report_progress(context, f"expectations: {line}")
    by_check: dict[tuple[str, str], list[ExpectationResult]] = defaultdict(list)
    for result in results:
        by_check[(result.table_name, result.check_name)].append(result)
    for check in selected:
        yield check_result(check, by_check[(check.table, check.name)])
