"""The last lines of a refresh's summary say why it was not published, in the order a reader needs them."""

from pathlib import Path

from orchestration.summary import CheckOutcome, RefreshSummary, closing_lines, format_summary


def summary(checks=(), failed_steps=(), succeeded=False) -> RefreshSummary:
    return RefreshSummary(run_id="abcdef1234", succeeded=succeeded, warehouse_path=Path("w.duckdb"),
                          elapsed_seconds=61, checks=list(checks), failed_steps=list(failed_steps))


def test_a_blocking_check_is_named_not_a_lock():
    # The failed steps of a blocked run mention "blocking" (which holds the word "lock"): no lock advice.
    blocked = summary(
        checks=[CheckOutcome("marts/rpt_source_row_accounting", "quarantine_rate_below_error_threshold", "failed")],
        failed_steps=[("publish_marts", ["skipped: a blocking check failed upstream"])],
    )

    text = format_summary(blocked)

    assert "Another process" not in text
    assert text.rstrip().splitlines()[-1] == (
        "Publication withheld: 1 blocking check failed (first: marts/rpt_source_row_accounting: "
        "quarantine_rate_below_error_threshold); 1 step failed (first: publish_marts). BI readers keep the "
        "previous publication; see 'Checks' and 'Failed steps' above, fix the cause and run again.")


def test_a_lock_held_by_another_process_is_said_last():
    locked = summary(failed_steps=[("raw_sources", [
        'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in /usr/bin/python (PID 7)'])])

    assert closing_lines(locked) == [
        "Another process holds the warehouse file (dagster dev? a DuckDB shell?): close it, run again."]


def test_warnings_alone_and_a_success_add_nothing():
    warned = CheckOutcome("raw/events", "source_freshness", "warned")
    assert closing_lines(summary(succeeded=True, checks=[warned])) == []
