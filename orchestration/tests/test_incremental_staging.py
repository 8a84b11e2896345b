"""Events staging is incremental and always equal to a full rebuild of the same raw rows.

base_events__parsed_events parses each raw file version once (incremental); base_events__validated_events (a
view) marks duplicates over all parsed rows. This test loads a small generated data set, builds the events
staging models, then changes the raw files the ways real deliveries do:
- a file is removed (its rows must leave staging);
- a file is re-delivered shorter, with one call's receivedAt changed (a new version: its old rows go, the new
  ones are parsed);
- a new file brings an earlier-received copy of a clean call (the copy already kept becomes the duplicate:
  dedup is decided across files, not within the new rows), a call stamped in the future and a broken line;
then ingests and builds incrementally, and compares every staging events table with a --full-refresh build of
a copy of the same warehouse (same raw rows, same load ids): two-way `except all`, zero rows. Then the new file
is re-delivered without the copy (the copy kept from it goes: the copy it displaced is kept again, a decision
only stg_events__events held), compared the same way. Then a changed rule (var max_clock_skew_minutes) must re-parse
every row and rebuild stg_events__events and stg_events__quarantined_events, and a re-run without changes must
change nothing. stg_events__events and stg_events__quarantined_events must take their incremental path (only
the changed messageIds) on a delivery, their full path on a rule change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate
from orchestration.raw_files import load_raw_directory
from orchestration.settings import PROJECT_DIR
from orchestration.tests.dbt_worker import run_dbt
from orchestration.tests.refresh_helpers import read_lines, write_lines

pytestmark = pytest.mark.slow

SALT = "incremental-staging-test-salt"
MODELS = ("event_dictionary", "base_events__parsed_events", "base_events__validated_events", "stg_events__events",
          "stg_events__quarantined_events")
COMPARED = ("staging.base_events__validated_events", "staging.stg_events__events",
            "staging.stg_events__quarantined_events")


def ingest(raw_dir: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        load_raw_directory(connection, raw_dir, sources=["events"])


def build(folder: Path, warehouse: Path, *arguments: str) -> None:
    environment = {**os.environ, "WAREHOUSE_PATH": str(warehouse), "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"),
                   "PII_HASH_SALT": SALT, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_TARGET": "duckdb", "AS_OF": ""}
    command = ["build", "--select", *MODELS, "--exclude", "test_type:unit",
               "--indirect-selection", "cautious",
               "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"), *arguments]
    completed = run_dbt(command, cwd=PROJECT_DIR, env=environment)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]


def compiled_paths(folder: Path) -> dict[str, bool]:
    """For each incremental staging model of the last build: True when it recomputed only changed messageIds."""
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[-1]: "changed_parsed_events" in result["compiled_code"]
            for result in results
            if result["unique_id"].split(".")[-1] in ("stg_events__events", "stg_events__quarantined_events")}


def full_refresh_copy(folder: Path, warehouse: Path, name: str, *arguments: str) -> Path:
    """A copy of the warehouse (same raw rows and load ids) rebuilt with --full-refresh."""
    full = folder / name
    shutil.copy2(warehouse, full)
    build(folder, full, "--full-refresh", *arguments)
    return full


def differing_rows(left: Path, right: Path, table: str) -> tuple[int, int]:
    """Rows of `table` only in the left warehouse, and only in the right one (every column)."""
    with duckdb.connect(str(left), read_only=True) as connection:
        connection.execute(f"attach '{right}' as other (read_only)")
        return tuple(
            connection.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchone()[0]
            for a, b in ((table, f"other.{table}"), (f"other.{table}", table))
        )


def reason_of(warehouse: Path, raw_row_id: str) -> str | None:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        [(reason,)] = connection.execute(
            "select reason_code from staging.base_events__validated_events where _raw_row_id = ?", [raw_row_id]
        ).fetchall()
    return reason


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> dict:
    """A warehouse built once, then changed by three deliveries and built again incrementally."""
    folder = tmp_path_factory.mktemp("incremental_staging")
    generate(folder / "demo", persons=60, days=4, seed=11)
    raw_dir = folder / "demo" / "raw"
    warehouse = folder / "warehouse.duckdb"
    ingest(raw_dir, warehouse)
    build(folder, warehouse)

    files = sorted((raw_dir / "events").rglob("*.jsonl.gz"))
    removed, shortened, source_of_copy = files[0], files[1], files[2]
    removed.unlink()
    lines = read_lines(shortened)[:-3]
    call = json.loads(lines[0])
    call["receivedAt"] = call["timestamp"]  # a corrected receivedAt, still after the timestamp
    lines[0] = json.dumps(call, separators=(",", ":"))
    write_lines(shortened, lines)
    # The kept copy of a clean call (receivedAt later than its timestamp) re-sent with receivedAt = timestamp:
    # received earlier, so this copy is kept and the old one becomes a duplicate.
    copied_line, copied_row = next(
        (line, number) for number, line in enumerate(read_lines(source_of_copy), 1)
        if json.loads(line).get("receivedAt", "") > json.loads(line).get("timestamp", "~")
        and json.loads(line).get("type") == "page"
    )
    kept_before = f"{source_of_copy.relative_to(raw_dir / 'events').as_posix()}:{copied_row}"
    assert reason_of(warehouse, kept_before) is None
    copy = json.loads(copied_line)
    copy["receivedAt"] = copy["timestamp"]
    # and a call stamped a year after it was received (future_timestamp under the default clock skew)
    future = {**copy, "messageId": "future-call", "timestamp": "2099-01-01T00:00:00.000Z"}
    write_lines(raw_dir / "events" / "date=2099-01-01" / "resent.jsonl.gz",
                [json.dumps(line, separators=(",", ":")) for line in (copy, future)] + ['{"type":"track","messageId":'])
    ingest(raw_dir, warehouse)
    build(folder, warehouse)
    paths = compiled_paths(folder)
    full = full_refresh_copy(folder, warehouse, "full.duckdb")
    return {"folder": folder, "warehouse": warehouse, "full": full, "kept_before": kept_before, "raw_dir": raw_dir,
            "removed": removed.relative_to(raw_dir / "events").as_posix(), "paths": paths}


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_staging_equals_a_full_refresh_after_removed_re_delivered_and_new_files(staged, table):
    assert differing_rows(staged["warehouse"], staged["full"], table) == (0, 0)


def test_an_earlier_received_copy_in_a_new_file_displaces_the_kept_one(staged):
    assert reason_of(staged["warehouse"], staged["kept_before"]) == "duplicate"
    assert reason_of(staged["warehouse"], "date=2099-01-01/resent.jsonl.gz:1") is None
    assert reason_of(staged["warehouse"], "date=2099-01-01/resent.jsonl.gz:2") == "future_timestamp"
    assert reason_of(staged["warehouse"], "date=2099-01-01/resent.jsonl.gz:3") == "malformed_record"
    with duckdb.connect(str(staged["warehouse"]), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from staging.base_events__parsed_events where _file_path = ?", [staged["removed"]]
        ).fetchone()[0] == 0


def test_a_delivery_recomputes_only_the_changed_message_ids(staged):
    assert staged["paths"] == {"stg_events__events": True, "stg_events__quarantined_events": True}


def test_re_delivering_the_file_without_the_kept_copy_keeps_the_displaced_copy_again(staged):
    folder, warehouse, raw_dir = staged["folder"], staged["warehouse"], staged["raw_dir"]
    resent = raw_dir / "events" / "date=2099-01-01" / "resent.jsonl.gz"
    write_lines(resent, read_lines(resent)[1:])  # re-delivered without the copy: the future call and broken line stay
    ingest(raw_dir, warehouse)
    build(folder, warehouse)
    assert compiled_paths(folder) == {"stg_events__events": True, "stg_events__quarantined_events": True}
    assert reason_of(warehouse, staged["kept_before"]) is None
    assert reason_of(warehouse, "date=2099-01-01/resent.jsonl.gz:1") == "future_timestamp"
    full = full_refresh_copy(folder, warehouse, "full_after_re_delivery.duckdb")
    assert [differing_rows(warehouse, full, table) for table in COMPARED] == [(0, 0)] * len(COMPARED)


def test_a_changed_rule_re_parses_every_row_and_a_re_run_changes_nothing(staged):
    folder, warehouse = staged["folder"], staged["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        [(rows, future)] = connection.execute(
            "select count(*), count(*) filter (where check_reason_code = 'future_timestamp')"
            " from staging.base_events__parsed_events").fetchall()
    assert future >= 1  # at least the call stamped in 2099
    relaxed = '{"max_clock_skew_minutes": 100000000}'
    build(folder, warehouse, "--vars", relaxed)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select count(*), count(*) filter (where check_reason_code = 'future_timestamp'),"
            " count(distinct rules_fingerprint) from staging.base_events__parsed_events"
        ).fetchall() == [(rows, 0, 1)]
    assert compiled_paths(folder) == {"stg_events__events": False, "stg_events__quarantined_events": False}
    full = full_refresh_copy(folder, warehouse, "full_relaxed.duckdb", "--vars", relaxed)
    assert [differing_rows(warehouse, full, table) for table in COMPARED] == [(0, 0)] * len(COMPARED)
    before = folder / "before_rerun.duckdb"
    shutil.copy2(warehouse, before)
    build(folder, warehouse, "--vars", relaxed)
    assert compiled_paths(folder) == {"stg_events__events": True, "stg_events__quarantined_events": True}
    for table in ("staging.base_events__parsed_events", *COMPARED):
        assert differing_rows(warehouse, before, table) == (0, 0), table
