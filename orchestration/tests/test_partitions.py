"""Daily partitions -> dbt vars, the default day of `make run`, the schedule, the raw-files sensor, backfills."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import RunRequest, SkipReason, build_schedule_context, build_sensor_context

from orchestration.backfill import days_between
from orchestration.backfill import parse_arguments as parse_backfill_arguments
from orchestration.definitions import defs
from orchestration.partitions import (
    daily_partitions,
    latest_raw_day,
    refresh_window,
    validate_partition_day,
)
from orchestration.schedules import daily_refresh, scheduled_partition_key
from orchestration.sensors import SETTLE_SECONDS, raw_files_sensor, raw_folder_state, run_request_for


def test_a_single_day_is_as_of_that_day_and_reprocesses_the_lookback_before_it():
    window = refresh_window("2026-10-31", "2026-10-31", lookback_days=3)
    # 10-31 minus 3 days = 10-28: the persons active 10-28..10-31 are re-sessionized.
    assert window.dbt_vars() == {"as_of_date": "2026-10-31", "refresh_from_date": "2026-10-28"}


def test_a_range_is_as_of_its_last_day_and_reprocesses_from_its_first_day_minus_the_lookback():
    window = refresh_window("2026-10-01", "2026-10-07", lookback_days=2)
    assert window.dbt_vars() == {"as_of_date": "2026-10-07", "refresh_from_date": "2026-09-29"}


def test_a_lookback_of_zero_reprocesses_the_day_itself_only():
    assert refresh_window("2026-03-01", "2026-03-01", 0).refresh_from_date == "2026-03-01"


@pytest.mark.parametrize("first, last, lookback", [("2026-10-07", "2026-10-01", 3), ("2026-10-01", "2026-10-01", -1)])
def test_a_reversed_range_or_a_negative_lookback_is_refused(first, last, lookback):
    with pytest.raises(ValueError):
        refresh_window(first, last, lookback)


def test_partitions_are_days_of_the_reporting_time_zone_from_the_configured_start():
    assert daily_partitions.timezone == (os.environ.get("REPORTING_TIME_ZONE") or "Asia/Shanghai")
    assert daily_partitions.get_first_partition_key() == (os.environ.get("PARTITIONS_START_DATE") or "2024-01-01")
    job = defs.resolve_job_def("refresh_warehouse")
    assert job.partitions_def == daily_partitions


def test_days_outside_the_partitions_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="PARTITIONS_START_DATE"):
        validate_partition_day("1999-12-31")
    with pytest.raises(ValueError, match="after today"):
        validate_partition_day("2999-01-01")
    assert validate_partition_day("2026-10-31") == "2026-10-31"


def write(path: Path, text: str = "{}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_default_day_is_the_newest_date_folder_of_events_or_orders(tmp_path):
    write(tmp_path / "events" / "date=2026-10-30" / "a.jsonl")
    write(tmp_path / "orders" / "date=2026-10-31" / "b.csv", "order_id\n")
    # Newer folders of other sources (a CRM export) do not move the analysis day.
    write(tmp_path / "customers" / "date=2026-11-05" / "c.jsonl")
    assert latest_raw_day(tmp_path) == "2026-10-31"


def test_a_raw_folder_without_date_folders_has_no_default_day(tmp_path):
    write(tmp_path / "events" / "all.jsonl")
    assert latest_raw_day(tmp_path) is None


def test_the_schedule_refreshes_yesterday_in_the_reporting_time_zone():
    # 2026-11-02 01:30 UTC is 09:30 on 11-02 in Shanghai: yesterday there is 11-01.
    assert scheduled_partition_key(datetime(2026, 11, 2, 1, 30, tzinfo=UTC)) == "2026-11-01"
    # 2026-11-01 18:00 UTC is already 02:00 on 11-02 in Shanghai.
    assert scheduled_partition_key(datetime(2026, 11, 1, 18, 0, tzinfo=UTC)) == "2026-11-01"


def test_a_schedule_tick_requests_yesterdays_partition():
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    request = daily_refresh(context)
    assert isinstance(request, RunRequest)
    assert request.partition_key == "2026-11-01"


def test_the_sensor_waits_for_changed_files_to_settle_then_requests_the_newest_day(tmp_path):
    write(tmp_path / "events" / "date=2026-10-30" / "a.jsonl")
    write(tmp_path / "events" / "date=2026-10-31" / "b.jsonl")
    state = raw_folder_state(tmp_path)
    assert state.files == 2 and state.newest_day == "2026-10-31"

    too_soon = run_request_for(state, cursor=None, now=state.newest_modified_at + SETTLE_SECONDS - 1)
    assert isinstance(too_soon, SkipReason)
    request = run_request_for(state, cursor=None, now=state.newest_modified_at + SETTLE_SECONDS)
    assert isinstance(request, RunRequest) and request.partition_key == "2026-10-31"
    # The same files again: nothing to do.
    assert isinstance(run_request_for(state, cursor=state.fingerprint, now=1e12), SkipReason)


def test_a_late_file_of_an_earlier_day_changes_the_fingerprint_and_reruns_the_newest_day(tmp_path):
    write(tmp_path / "events" / "date=2026-10-31" / "b.jsonl")
    before = raw_folder_state(tmp_path)
    write(tmp_path / "events" / "date=2026-10-29" / "late.jsonl")
    after = raw_folder_state(tmp_path)
    assert after.fingerprint != before.fingerprint
    request = run_request_for(after, cursor=before.fingerprint, now=after.newest_modified_at + SETTLE_SECONDS)
    assert isinstance(request, RunRequest) and request.partition_key == "2026-10-31"


def test_hidden_files_and_empty_folders_do_not_start_a_run(tmp_path):
    write(tmp_path / "events" / "date=2026-10-31" / ".b.jsonl.partial")
    state = raw_folder_state(tmp_path)
    assert state.files == 0
    assert isinstance(run_request_for(state, cursor=None, now=1e12), SkipReason)


def test_the_sensor_tick_reads_the_raw_folder_and_moves_its_cursor(tmp_path, monkeypatch):
    write(tmp_path / "orders" / "date=2026-10-31" / "o.csv", "order_id\n")
    os.utime(tmp_path / "orders" / "date=2026-10-31" / "o.csv", (1e9, 1e9))
    monkeypatch.setenv("RAW_DIR", str(tmp_path))
    context = build_sensor_context()
    request = raw_files_sensor(context)
    assert isinstance(request, RunRequest) and request.partition_key == "2026-10-31"
    assert context.cursor == raw_folder_state(tmp_path).fingerprint


def test_backfill_days_are_every_day_of_the_range():
    assert days_between("2026-10-30", "2026-11-02") == ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]
    with pytest.raises(ValueError):
        days_between("2026-11-02", "2026-10-30")


def test_backfill_arguments_are_validated_days():
    arguments = parse_backfill_arguments(["--from", "2026-10-01", "--to", "2026-10-07", "--per-day"])
    assert (arguments.first, arguments.last, arguments.per_day) == ("2026-10-01", "2026-10-07", True)
    with pytest.raises(SystemExit):
        parse_backfill_arguments(["--from", "2026-10-32", "--to", "2026-11-01"])


def test_a_backfill_is_one_run_over_the_range_by_default(monkeypatch, tmp_path):
    import orchestration.backfill as backfill

    calls = []
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "profile.duckdb"))
    monkeypatch.setattr(backfill, "ensure_demo_data", lambda settings: None)
    monkeypatch.setattr(backfill, "refresh_and_summarize",
                        lambda settings, first, last=None: calls.append((first, last)) or 0)
    assert backfill.main(["--from", "2026-10-29", "--to", "2026-10-31", "--raw-dir", str(tmp_path)]) == 0
    assert calls == [("2026-10-29", "2026-10-31")]


def test_a_per_day_backfill_runs_the_days_in_order_and_stops_at_the_first_failure(monkeypatch, tmp_path):
    import orchestration.backfill as backfill

    calls = []
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "profile.duckdb"))
    monkeypatch.setattr(backfill, "ensure_demo_data", lambda settings: None)
    # The second day fails: the third must not run, and the backfill exits with that day's code.
    monkeypatch.setattr(backfill, "refresh_and_summarize",
                        lambda settings, first, last=None: calls.append(first) or (1 if first == "2026-10-30" else 0))
    assert backfill.main(["--from", "2026-10-29", "--to", "2026-10-31", "--per-day", "--raw-dir", str(tmp_path)]) == 1
    assert calls == ["2026-10-29", "2026-10-30"]


def test_make_run_without_as_of_takes_the_analysis_date_from_the_data_not_the_partition_label():
    from types import SimpleNamespace

    from orchestration.partitions import AS_OF_FROM_DATA_TAG, run_analysis_date, run_dbt_vars

    window = refresh_window("2026-10-05", "2026-10-05", 3)
    # A delivery folder dated 10-05 may hold orders of 10-02: the dbt macro then finds 10-02 itself.
    from_data = SimpleNamespace(run=SimpleNamespace(tags={AS_OF_FROM_DATA_TAG: "true"}))
    assert run_analysis_date(from_data, window) == "" and run_dbt_vars(from_data, window) == {}
    pinned = SimpleNamespace(run=SimpleNamespace(tags={}))
    assert run_analysis_date(pinned, window) == "2026-10-05"
    assert run_dbt_vars(pinned, window) == {"as_of_date": "2026-10-05", "refresh_from_date": "2026-10-02"}


def test_steps_without_a_partition_get_the_dbt_vars_of_the_run_from_its_tags():
    from orchestration.partitions import run_tags_dbt_vars

    assert run_tags_dbt_vars({"dagster/partition": "2026-10-31"}, 3) == (
        "2026-10-31", {"as_of_date": "2026-10-31", "refresh_from_date": "2026-10-28"})
    # a range run: as of its last day, re-processing from its first day minus the lookback
    assert run_tags_dbt_vars({"dagster/asset_partition_range_start": "2026-10-05",
                              "dagster/asset_partition_range_end": "2026-10-07"}, 2) == (
        "2026-10-07", {"as_of_date": "2026-10-07", "refresh_from_date": "2026-10-03"})
    # make run without AS_OF (the analysis date comes from the data), and a run without partition: no vars
    assert run_tags_dbt_vars({"dagster/partition": "2026-10-31", "user_profile/as_of_from_data": "true"}, 3) == ("", {})
    assert run_tags_dbt_vars({}, 3) == ("", {})
