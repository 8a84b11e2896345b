"""The published warehouse (orchestration/publication.py, orchestration/assets/publication.py).

On tiny hand-made warehouses: only the marts and quality schemas are copied (views as tables), row counts
and the analysis date are recorded, a second publication replaces the first atomically (a reader already
connected keeps reading the old one), a failed publication leaves the previous one untouched, partial
files of interrupted publications are removed, and the asset retries when another process holds the lock on
the working warehouse.

End to end, on a small generated data set (300 persons, 12 days) refreshed through `python -m
orchestration.run` in child processes: a refresh is SIGKILLed while dbt builds - the published file stays
byte-identical - and the next refresh, started without any clean-up, succeeds and publishes the new day;
all the while another process reads the published warehouse in a loop (a new read-only connection each
time) and never meets an error, a lock, or a publication whose tables disagree with its recorded counts.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration import publication
from orchestration.demo_data import generate
from orchestration.publication import (
    PUBLICATION_TABLE,
    PUBLISHED_TABLES_TABLE,
    describe_publication,
    publish_warehouse,
    read_publication,
    stale_partials,
)
from orchestration.settings import PROJECT_DIR, Settings, load_settings

SALT = "publication-test-salt"


# --- tiny hand-made warehouses ----------------------------------------------------------------------------


def make_warehouse(path: Path, persons: int = 3, with_quality: bool = False) -> Path:
    """marts: dim_persons (persons rows), rpt_data_coverage (as of 2026-10-31), a view over dim_persons;
    raw, staging and intermediate tables that must never be published."""
    with duckdb.connect(str(path)) as connection:
        for schema in ("raw", "staging", "intermediate", "marts"):
            connection.execute(f"create schema if not exists {schema}")
        connection.execute("create or replace table raw.events as select 'phone 13800000000' as payload")
        connection.execute("create or replace table staging.stg_customers__customers as select 'Li Lei' as name")
        connection.execute("create or replace table intermediate.int_things as select 1 as thing")
        connection.execute(f"create or replace table marts.dim_persons as "
                           f"select 'p_' || i as person_id, i * 1.5 as revenue from range({persons}) as r(i)")
        connection.execute("create or replace table marts.rpt_data_coverage as "
                           "select * from (values ('events', date '2026-10-31'), ('orders', date '2026-10-31')) "
                           "as t(source_name, as_of_date)")
        connection.execute("create or replace view marts.rpt_big_spenders as "
                           "select * from marts.dim_persons where revenue >= 3")
        if with_quality:
            connection.execute("create schema if not exists quality")
            connection.execute("create or replace table quality.expectation_results as "
                               "select 'volume' as expectation, true as passed")
    return path


@pytest.fixture()
def settings(tmp_path) -> Settings:
    (tmp_path / "warehouse").mkdir()
    return replace(
        load_settings(),
        warehouse_path=make_warehouse(tmp_path / "warehouse" / "profile.duckdb"),
        published_path=tmp_path / "warehouse" / "published" / "profile.duckdb",
        duckdb_temp_directory=tmp_path / "warehouse" / "tmp",
        as_of_date="",
    )


def published_relations(path: Path) -> dict[str, int]:
    """'<schema>.<table>' -> rows, for every table of the published file, read through a new connection."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute("select table_schema, table_name, table_type from information_schema.tables "
                                   "where table_catalog = current_database() order by 1, 2").fetchall()
        assert {table_type for _, _, table_type in names} == {"BASE TABLE"}
        return {f"{schema}.{name}": connection.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
                for schema, name, _ in names}


def test_only_marts_are_published_with_their_row_counts(settings):
    result = publish_warehouse(settings, run_id="run-1")
    # 3 persons (revenue 0, 1.5, 3): one of them in the view; 2 coverage rows.
    assert published_relations(settings.published_path) == {
        "_publication.publication": 1,
        "_publication.published_tables": 3,
        "marts.dim_persons": 3,
        "marts.rpt_big_spenders": 1,
        "marts.rpt_data_coverage": 2,
    }
    assert [(t.schema_name, t.table_name, t.source_type, t.count_rows) for t in result.tables] == [
        ("marts", "dim_persons", "table", 3),
        ("marts", "rpt_big_spenders", "view", 1),
        ("marts", "rpt_data_coverage", "table", 2),
    ]
    record, tables = read_publication(settings.published_path)
    assert record["publication_id"] == result.publication_id and record["run_id"] == "run-1"
    assert record["as_of_date"] == date(2026, 10, 31)  # from marts.rpt_data_coverage
    assert record["count_tables"] == 3 and record["count_rows"] == 6
    assert abs((record["published_at"] - datetime.now(UTC)).total_seconds()) < 60
    assert tables == list(result.tables)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        assert connection.execute("select person_id, revenue from marts.dim_persons order by 1").fetchall() == [
            ("p_0", 0), ("p_1", 1.5), ("p_2", 3)]
    # Nothing left beside it but the lock file; the file itself is read-only.
    assert sorted(path.name for path in settings.published_path.parent.iterdir()) == [
        ".profile.duckdb.lock", "profile.duckdb"]
    assert settings.published_path.stat().st_mode & 0o777 == 0o444


def test_the_quality_schema_is_published_once_it_exists(settings):
    make_warehouse(settings.warehouse_path, with_quality=True)
    publish_warehouse(settings, run_id="run-1")
    assert published_relations(settings.published_path)["quality.expectation_results"] == 1


def test_the_analysis_date_is_the_one_given_else_the_pinned_setting_else_none(settings):
    assert publish_warehouse(settings, "run-1", as_of_date="2026-10-30").as_of_date == date(2026, 10, 30)
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute("drop table marts.rpt_data_coverage")
    assert publish_warehouse(settings, "run-2").as_of_date is None
    assert publish_warehouse(replace(settings, as_of_date="2026-10-29"), "run-3").as_of_date == date(2026, 10, 29)


def test_a_second_publication_replaces_the_first_while_a_connected_reader_keeps_the_old(settings):
    first = publish_warehouse(settings, run_id="run-1")
    old_inode = settings.published_path.stat().st_ino
    with duckdb.connect(str(settings.published_path), read_only=True) as reader:
        make_warehouse(settings.warehouse_path, persons=5)
        second = publish_warehouse(settings, run_id="run-2")
        # The open connection still reads the first publication, whole.
        assert reader.execute(f"select publication_id from {PUBLICATION_TABLE}").fetchone()[0] == first.publication_id
        assert reader.execute("select count(*) from marts.dim_persons").fetchone()[0] == 3
        # A new reader, at the same time, reads the second. (Attached to an in-memory database: in this
        # process, duckdb.connect(path) would hand back the database the open connection above holds.)
        with duckdb.connect() as new_reader:
            new_reader.execute(f"attach '{settings.published_path}' as published (read_only)")
            assert new_reader.execute(f"select publication_id from published.{PUBLICATION_TABLE}").fetchone()[0] == (
                second.publication_id)
            assert new_reader.execute("select count(*) from published.marts.dim_persons").fetchone()[0] == 5
            # 5 persons, revenue 0 .. 6 by 1.5: three of them at 3 or more.
            assert new_reader.execute(
                f"select count_rows from published.{PUBLISHED_TABLES_TABLE} where table_name = 'rpt_big_spenders'"
            ).fetchone()[0] == 3
    assert second.publication_id != first.publication_id
    assert settings.published_path.stat().st_ino != old_inode


def test_a_failed_publication_leaves_the_previous_one_untouched(settings, monkeypatch):
    publish_warehouse(settings, run_id="run-1")
    before = settings.published_path.read_bytes()
    make_warehouse(settings.warehouse_path, persons=5)

    write_publication = publication._write_publication

    def fail_after_copying(*arguments, **keywords):
        write_publication(*arguments, **keywords)  # the whole copy is written, then the step dies
        raise OSError("No space left on device")

    monkeypatch.setattr(publication, "_write_publication", fail_after_copying)
    with pytest.raises(OSError, match="No space left"):
        publish_warehouse(settings, run_id="run-2")
    assert settings.published_path.read_bytes() == before
    assert stale_partials(settings.published_path) == []


def test_a_publication_cannot_start_while_another_process_writes_the_working_warehouse(settings):
    publish_warehouse(settings, run_id="run-1")
    before = settings.published_path.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('locked', "
         "flush=True); time.sleep(60)", str(settings.warehouse_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.Error, match="lock"):
            publish_warehouse(settings, run_id="run-2")
    finally:
        holder.kill()
        holder.wait()
    assert settings.published_path.read_bytes() == before
    assert stale_partials(settings.published_path) == []


def test_partial_files_of_interrupted_publications_are_removed(settings):
    folder = settings.published_path.parent
    folder.mkdir(parents=True)
    stale = [folder / ".profile.duckdb.4242-0badc0de.partial", folder / ".profile.duckdb.4242-0badc0de.partial.wal"]
    for path in stale:
        path.write_bytes(b"half a database")
    unrelated = folder / "notes.txt"
    unrelated.write_text("keep me")
    result = publish_warehouse(settings, run_id="run-1")
    assert sorted(result.removed_partials) == sorted(stale)
    assert not any(path.exists() for path in stale) and unrelated.exists()


def test_describe_publication_names_the_file_the_date_and_a_publication_from_another_run(settings):
    assert "nothing published yet" in describe_publication(settings)[0]
    result = publish_warehouse(settings, run_id="run-1")
    lines = describe_publication(settings, run_id="run-1")
    assert len(lines) == 3
    assert lines[0].startswith(str(settings.published_path))
    assert result.publication_id in lines[1] and "as of 2026-10-31" in lines[1]
    assert lines[2] == "3 tables (3 marts), 6 rows"
    assert "not published by this run" in describe_publication(settings, run_id="run-2")[-1]


def test_the_asset_depends_on_every_mart_of_the_dbt_project_and_the_exports():
    from orchestration.assets.activation_exports import segment_files
    from orchestration.assets.dbt import dbt_manifest_path
    from orchestration.assets.publication import PUBLISHED_WAREHOUSE_KEY, published_warehouse

    manifest = json.loads(dbt_manifest_path.read_text())
    marts = {(node["schema"], node.get("alias") or node["name"]) for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts"}
    assert len(marts) >= 30  # the project's marts (38 when this test was written)
    deps = {tuple(key.path) for key in published_warehouse.asset_deps[PUBLISHED_WAREHOUSE_KEY]}
    assert deps == marts | {tuple(segment_files.key.path)}
    assert published_warehouse.group_names_by_key[PUBLISHED_WAREHOUSE_KEY] == "publication"


def test_the_asset_waits_out_a_lock_on_the_working_warehouse_and_publishes(settings, monkeypatch):
    from dagster import materialize

    from orchestration.assets import publication as publication_asset

    monkeypatch.setenv("WAREHOUSE_PATH", str(settings.warehouse_path))
    monkeypatch.setenv("PUBLISHED_PATH", str(settings.published_path))
    monkeypatch.setenv("DUCKDB_TEMP_DIRECTORY", str(settings.duckdb_temp_directory))
    # Another process writes the working warehouse until the first attempt has met its lock; the retry
    # (after the 5-second backoff) publishes.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
         "sys.stdin.read()", str(settings.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    publish = publication_asset.publish_warehouse
    attempts: list[str] = []

    def publish_then_release_the_lock(*arguments, **keywords):
        try:
            result = publish(*arguments, **keywords)
            attempts.append("published")
            return result
        except duckdb.Error:
            attempts.append("locked")
            raise
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)

    monkeypatch.setattr(publication_asset, "publish_warehouse", publish_then_release_the_lock)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = materialize([publication_asset.published_warehouse], raise_on_error=False)
    finally:
        holder.kill()
        holder.wait()
    assert result.success
    assert attempts == ["locked", "published"]
    record, _ = read_publication(settings.published_path)
    assert record["run_id"] == result.run_id


# --- end to end: a killed refresh, the recovery, and a reader all along ------------------------------------

# Lines of the broken file: enough for the load's quarantine rate to pass quarantine_rate_error (20%).
BROKEN_LINES = 2000
PROGRESS_LINE = re.compile(r"\bdbt\s+\d+/\d+ built in .*\s(staging|intermediate)/")
KILL_AFTER_LINES = 3


def refresh_environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WAREHOUSE_PATH": str(folder / "warehouse" / "profile.duckdb"),
        "PUBLISHED_PATH": str(folder / "published" / "profile.duckdb"),
        "EXPORT_DIR": str(folder / "exports"),
        "DUCKDB_TEMP_DIRECTORY": str(folder / "warehouse" / "tmp"),
        "PII_HASH_SALT": SALT,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }


def start_refresh(folder: Path) -> subprocess.Popen:
    """`python -m orchestration.run` in its own process group (so that killing it kills its dbt too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.run", "--raw-dir", str(folder / "raw")],
        cwd=PROJECT_DIR, env=refresh_environment(folder), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )


def run_refresh(folder: Path) -> tuple[int, str]:
    process = start_refresh(folder)
    output, _ = process.communicate(timeout=900)
    return process.returncode, output


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_loop(published_path: str, stop, results_path: str) -> None:
    """Child process: read the published warehouse until stop is set, as a BI reader would - a new read-only
    connection each time, the publication's id and recorded counts, then a count of each of its tables -
    and write what it saw to results_path."""
    reads: list[str] = []  # publication id per read, in order
    errors: list[str] = []
    mixed: list[str] = []
    while not stop.is_set():
        try:
            # A with-block closes the connection: the next iteration opens the file anew (DuckDB's Python
            # client would otherwise hand back the cached database, i.e. the old file).
            with duckdb.connect(published_path, read_only=True) as connection:
                publication_id = connection.execute("select publication_id from _publication.publication").fetchone()[0]
                recorded = connection.execute(
                    "select schema_name, table_name, count_rows from _publication.published_tables").fetchall()
                for schema, name, count_rows in recorded:
                    actual = connection.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
                    if actual != count_rows:
                        mixed.append(f"{publication_id}: {schema}.{name} has {actual} rows, recorded {count_rows}")
            reads.append(publication_id)
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.05)
    Path(results_path).write_text(json.dumps({"reads": reads, "errors": errors, "mixed": mixed}))


def count_event_lines(raw_dir: Path) -> int:
    """Records in the raw events files (gzip JSON lines, one record a line): what the ingest must account for."""
    return sum(len(gzip.decompress(path.read_bytes()).splitlines()) for path in (raw_dir / "events").rglob("*.gz"))


def published_raw_events(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("select sum(count_raw_rows) from marts.rpt_source_row_accounting "
                                  "where source_name = 'events'").fetchone()[0]


def published_counts(path: Path) -> dict[str, int]:
    record, tables = read_publication(path)
    return {f"{table.schema_name}.{table.table_name}": table.count_rows for table in tables} | {
        "publication_id": record["publication_id"]}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> dict:
    """One refresh without the last day's files (the first publication); then, with a reader process reading
    the published warehouse throughout: the last day's files arrive with a broken file (that refresh fails its
    quarantine check), the day is re-delivered without it, a refresh is killed while dbt builds, and the next
    refresh runs with no clean-up at all."""
    folder = tmp_path_factory.mktemp("publication")
    generate(folder / "demo", persons=300, days=12, seed=7)
    last_day = "date=2026-10-31"
    held_back = folder / "held_back"
    shutil.copytree(folder / "demo" / "raw", folder / "raw",
                    ignore=lambda directory, names: [name for name in names if name == last_day])
    for day_folder in (folder / "demo" / "raw").glob(f"*/{last_day}"):
        shutil.copytree(day_folder, held_back / day_folder.parent.name / last_day)
    published_path = folder / "published" / "profile.duckdb"
    warehouse_path = folder / "warehouse" / "profile.duckdb"

    code, output = run_refresh(folder)
    assert code == 0, output[-4000:]
    first = {"counts": published_counts(published_path), "digest": file_digest(published_path),
             "raw_events": published_raw_events(published_path), "event_lines": count_event_lines(folder / "raw")}

    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results_path = folder / "reads.json"
    reader = context.Process(target=read_loop, args=(str(published_path), stop, str(results_path)))
    reader.start()
    try:
        time.sleep(2)  # some reads of the first publication before anything changes
        shutil.copytree(held_back, folder / "raw", dirs_exist_ok=True)

        # A bad day: the delivery holds a broken file, the quarantine rate of the load passes its error bound,
        # the dbt test fails, and the refresh must fail without publishing.
        broken = folder / "raw" / "events" / last_day / "broken.jsonl"
        broken.write_text("".join(f"not a JSON record {number}\n" for number in range(BROKEN_LINES)))
        bad_code, bad_output = run_refresh(folder)
        after_bad_day = {"returncode": bad_code, "output": bad_output, "counts": published_counts(published_path),
                         "digest": file_digest(published_path)}
        broken.unlink()  # the source re-delivers the day without it

        warehouse_before = warehouse_path.stat().st_mtime_ns

        killed = start_refresh(folder)
        seen: list[str] = []
        deadline = time.monotonic() + 600
        assert killed.stdout is not None
        for line in killed.stdout:
            seen.append(line)
            if len([text for text in seen if PROGRESS_LINE.search(text)]) >= KILL_AFTER_LINES:
                os.killpg(killed.pid, signal.SIGKILL)
                break
            assert time.monotonic() < deadline, "no dbt progress within 10 minutes:\n" + "".join(seen)
        else:
            pytest.fail("the refresh ended before dbt built anything:\n" + "".join(seen))
        killed.wait(timeout=60)
        after_kill = {
            "returncode": killed.returncode,
            "output": "".join(seen),
            "counts": published_counts(published_path),
            "digest": file_digest(published_path),
            "warehouse_changed": warehouse_path.stat().st_mtime_ns != warehouse_before,
        }

        recovery_code, recovery_output = run_refresh(folder)
        time.sleep(2)  # some reads of the new publication
    finally:
        stop.set()
        reader.join(timeout=60)
    reads = json.loads(results_path.read_text())
    print(f"reader: {len(reads['reads'])} reads ("
          + ", ".join(f"{reads['reads'].count(key)} of {key}" for key in dict.fromkeys(reads["reads"]))
          + f"), {len(reads['errors'])} errors, {len(reads['mixed'])} mixed")
    return {
        "published_path": published_path,
        "first": first,
        "after_kill": after_kill,
        "after_bad_day": after_bad_day,
        "recovery": {"returncode": recovery_code, "output": recovery_output},
        "reads": reads,
        "event_lines": count_event_lines(folder / "raw"),
    }


def test_a_bad_day_fails_its_blocking_check_and_never_reaches_the_published_copy(scenario):
    bad_day = scenario["after_bad_day"]
    assert bad_day["returncode"] == 1, bad_day["output"][-4000:]
    assert "quarantine_rate_below" in bad_day["output"]
    assert "published:" not in bad_day["output"]
    # The run's last words name the blocking check, not another process holding the warehouse file.
    assert "Another process holds" not in bad_day["output"]
    last_line = bad_day["output"].rstrip().splitlines()[-1]
    assert last_line.startswith("Publication withheld: ") and "blocking check" in last_line, last_line
    assert bad_day["digest"] == scenario["first"]["digest"]
    assert bad_day["counts"] == scenario["first"]["counts"]


def test_a_refresh_killed_while_dbt_builds_leaves_the_publication_untouched(scenario):
    after_kill = scenario["after_kill"]
    assert after_kill["returncode"] == -signal.SIGKILL
    assert after_kill["warehouse_changed"], "the kill came before the refresh wrote anything"
    assert "published:" not in after_kill["output"]
    assert after_kill["digest"] == scenario["first"]["digest"]
    assert after_kill["counts"] == scenario["first"]["counts"]


def test_the_next_refresh_recovers_without_clean_up_and_publishes_the_new_day(scenario):
    recovery = scenario["recovery"]
    assert recovery["returncode"] == 0, recovery["output"][-4000:]
    published_path = scenario["published_path"]
    counts = published_counts(published_path)
    assert counts["publication_id"] != scenario["first"]["counts"]["publication_id"]
    with duckdb.connect(str(published_path), read_only=True) as connection:
        unbalanced = connection.execute(
            "select count(*) from marts.rpt_source_row_accounting where not is_balanced").fetchone()[0]
        as_of = connection.execute(f"select as_of_date from {PUBLICATION_TABLE}").fetchone()[0]
    assert unbalanced == 0
    assert as_of == date(2026, 10, 31)
    # Every raw event line is accounted for: before, without the held-back day; now, with it.
    assert scenario["first"]["raw_events"] == scenario["first"]["event_lines"]
    assert published_raw_events(published_path) == scenario["event_lines"] > scenario["first"]["event_lines"]
    assert counts["marts.fct_sessions"] > scenario["first"]["counts"]["marts.fct_sessions"]
    assert stale_partials(published_path) == []


def test_a_reader_during_the_refreshes_never_meets_an_error_a_lock_or_a_mix(scenario):
    reads = scenario["reads"]
    assert reads["errors"] == []
    assert reads["mixed"] == []
    first_id = scenario["first"]["counts"]["publication_id"]
    ids = reads["reads"]
    assert ids.count(first_id) >= 1 and len(set(ids)) == 2, {publication_id: ids.count(publication_id)
                                                              for publication_id in set(ids)}
    # Once a reader has seen the new publication, it never sees the old one again.
    switch = next(index for index, publication_id in enumerate(ids) if publication_id != first_id)
    assert set(ids[switch:]) == {ids[-1]} and ids[-1] != first_id
