"""End to end: a small demo data set refreshed through Dagster (the job run in this process, as `dagster dev`
launches it) into a warehouse in a temporary folder. What a second run on unchanged files must leave as it
was (raw, staging, marts, exports) is checked by test_incremental_refresh.py on its re-run of a day."""

from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, RunConfig

from orchestration.assets.dbt import remove_invocation_folders
from orchestration.assets.raw import RawIngestConfig
from orchestration.definitions import defs
from orchestration.demo_data import generate
from orchestration.settings import RAW_SOURCES
from orchestration.summary import collect_summary, format_summary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("refresh")
    generate(folder / "demo", persons=150, days=7, seed=11)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAREHOUSE_PATH", str(folder / "warehouse" / "profile.duckdb"))
        environment.setenv("DUCKDB_TEMP_DIRECTORY", str(folder / "warehouse" / "tmp"))
        environment.setenv("PII_HASH_SALT", "end-to-end-test-salt")
        environment.setenv("RAW_DIR", str(folder / "demo" / "raw"))
        environment.delenv("AS_OF", raising=False)
        yield {"path": folder / "warehouse" / "profile.duckdb", "raw_dir": folder / "demo" / "raw"}


def refresh(raw_dir: Path):
    job = defs.resolve_job_def("refresh_warehouse")
    run_config = RunConfig(
        ops={"raw_sources": RawIngestConfig(raw_dir=str(raw_dir))},
        loggers={"console": {"config": {"log_level": "WARNING"}}},
    )
    # As `make run` without AS_OF: the partition of the newest day folder, the analysis date from the data.
    from orchestration.partitions import AS_OF_FROM_DATA_TAG, latest_raw_day

    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False,
                                        partition_key=latest_raw_day(raw_dir), tags={AS_OF_FROM_DATA_TAG: "true"})
    remove_invocation_folders(result.run_id)
    failures = [
        f"{event.step_key}: {event.step_failure_data.error.message if event.step_failure_data.error else ''}"
        for event in result.get_step_failure_events()
    ]
    assert result.success, "refresh_warehouse failed:\n" + "\n".join(failures)
    return result


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def raw_row_counts(path: Path) -> dict[str, int]:
    return {source: query(path, f"select count(*) from raw.{source}")[0][0] for source in RAW_SOURCES}


@pytest.fixture(scope="module")
def first_run(warehouse):
    return refresh(warehouse["raw_dir"])


def test_the_refresh_succeeds_without_failed_error_checks(first_run):
    result = first_run
    evaluations = result.get_asset_check_evaluations()
    assert evaluations, "no checks ran"
    failed = [
        f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
        for evaluation in evaluations
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    ]
    assert failed == []


def test_every_raw_source_was_ingested(first_run, warehouse):
    counts = raw_row_counts(warehouse["path"])
    assert all(counts.values()), f"empty raw tables: {counts}"


def test_every_raw_row_is_clean_duplicate_or_quarantined(first_run, warehouse):
    accounting = query(
        warehouse["path"],
        "select source_name, load_id, count_raw_rows, count_clean_rows, count_duplicate_rows, "
        "count_quarantined_rows from marts.rpt_source_row_accounting",
    )
    assert accounting, "marts.rpt_source_row_accounting is empty"
    unbalanced = [row for row in accounting if row[2] != row[3] + row[4] + row[5]]
    assert unbalanced == [], "raw rows != clean + duplicate + quarantined rows"
    raw_total = sum(raw_row_counts(warehouse["path"]).values())
    assert sum(row[2] for row in accounting) == raw_total, "some raw rows are missing from the accounting"


def test_the_summary_reports_the_run(first_run, warehouse):
    result = first_run
    summary = collect_summary(result, warehouse["path"], elapsed_seconds=1.0)

    assert summary.exit_code == 0
    assert set(summary.raw_loads) == set(RAW_SOURCES)
    assert summary.row_accounting and summary.quarantine_reasons is not None
    assert ("marts.rpt_source_row_accounting", len(summary.row_accounting)) in summary.mart_rows
    assert summary.freshness and all(check.outcome == "passed" for check in summary.freshness)
    text = format_summary(summary)
    assert "Refresh SUCCEEDED" in text and str(warehouse["path"]) in text


def test_quarantine_counts_equal_the_defects_the_generator_injected(first_run, warehouse):
    """Each injected defect must land in exactly the reason the generator's ground truth names.

    One difference of definition: the warehouse counts the paid row of a later-refunded order as a
    'duplicate' (an older version of the order), the generator as a clean row; the truth's orders file
    says how many orders were refunded.
    """
    import json

    import pandas as pd

    truth_dir = warehouse["raw_dir"].parent / "truth"
    mess = json.loads((truth_dir / "mess.json").read_text())
    refunded_orders = int((pd.read_parquet(truth_dir / "orders.parquet")["final_status"] == "refunded").sum())
    expected = {
        (source, reason): count
        for source, facts in mess.items()
        if isinstance(facts, dict) and isinstance(facts.get("rows_by_reason"), dict)
        for reason, count in facts["rows_by_reason"].items()
        if count
    }
    if refunded_orders:
        expected[("orders", "duplicate")] = expected.get(("orders", "duplicate"), 0) + refunded_orders
    actual = {
        (source, reason): count
        for source, reason, count in query(
            warehouse["path"], "select source_name, reason_code, count_rows from marts.rpt_quarantine_reasons"
        )
    }
    assert actual == expected


def test_unusable_phones_and_emails_are_flagged_on_clean_rows(first_run, warehouse):
    import json

    mess = json.loads((warehouse["raw_dir"].parent / "truth" / "mess.json").read_text())
    flagged = {
        ("events", "invalid_phone"): "select count(*) from staging.stg_events__events where has_invalid_trait_phone",
        ("events", "invalid_email"): "select count(*) from staging.stg_events__events where has_invalid_trait_email",
        ("orders", "invalid_phone"): "select count(*) from staging.stg_orders__orders where has_invalid_phone",
        ("customers", "invalid_phone"): (
            "select count(*) from staging.stg_crm__customer_versions where has_invalid_phone"
        ),
        ("customers", "invalid_email"): (
            "select count(*) from staging.stg_crm__customer_versions where has_invalid_email"
        ),
    }
    for (source, flag), sql in flagged.items():
        expected = mess[source]["clean_row_flags"].get(flag, 0)
        assert query(warehouse["path"], sql)[0][0] == expected, f"{source} {flag}"
