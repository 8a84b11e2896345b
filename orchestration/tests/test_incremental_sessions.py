"""int_events_attributed's and int_events_sessionized's incremental builds equal a full rebuild of the same
data, whatever arrived.

int_events_sessionized is incremental: int_persons_resessionized diffs the current active events against
the stored rows (event_id, person_id, event_fingerprint, rules_fingerprint) and lists the persons to
recompute from the start of a stored visit; the sessionized model deletes and re-cuts only those rows.
int_events_attributed likewise: int_events_reattributed lists the stale stored events, the model deletes
them and attributes every event without a stored row.

This test builds a small generated data set (300 persons, 12 days ending N = 2026-10-31) two ways:
- incrementally: raw files up to day N-3 (the analysis date is the latest day in the data, so it moves),
  built; then days N-2..N arrive with late events (some events of day N-5 moved out of that day's file into
  a new file under day N's folder), a re-delivered corrected file (day N-6's file with some timestamps moved
  earlier), erasure requests, the identity merges the new days bring and a second user on a browser
  (shared from then on: its events are attributed by time); built again, incrementally;
- in full: the final raw files, built once with --full-refresh,
and compares int_events_attributed, int_events_sessionized, fct_sessions and fct_person_daily_activity on
every column (two-way `except all`, zero rows). Then it re-runs the incremental build with nothing new: without a
lookback window no person is recomputed; with the default window the table is unchanged (idempotence).

The builds run `dbt build` on the upstream of fct_person_daily_activity (staging, identity, sessions,
daily activity) in child processes, after loading the raw files with the ingest step's own function.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate
from orchestration.settings import PROJECT_DIR
from orchestration.tests.dbt_worker import run_dbt
from orchestration.tests.refresh_helpers import (
    copy_warehouse,
    day_of,
    ingest,
    read_lines,
    rows_in_one_only,
    write_lines,
)

pytestmark = pytest.mark.slow

SALT = "incremental-sessions-test-salt"
LAST_DAY = dt.date(2026, 10, 31)  # N, the generator's default end date
FIRST_INCREMENT_DAY = LAST_DAY - dt.timedelta(days=2)  # N-2: days from here arrive with the second build
LATE_DAY = LAST_DAY - dt.timedelta(days=5)  # N-5: some of its events arrive late, in day N's folder
CORRECTED_DAY = LAST_DAY - dt.timedelta(days=6)  # N-6: its file is re-delivered with corrected timestamps
LATE_EVERY = 15  # every 15th event line of day N-5 arrives late
CORRECTED_EVERY = 20  # every 20th event line of day N-6 gets a timestamp 20 minutes earlier
COMPARED_TABLES = (
    "intermediate.int_events_attributed",
    "intermediate.int_events_sessionized",
    "marts.fct_sessions",
    "marts.fct_person_daily_activity",
)
SELECTION = "+fct_person_daily_activity"


def earlier_timestamp(line: str, minutes: int) -> str:
    """The event line with its timestamp moved `minutes` earlier (a corrected clock)."""
    call = json.loads(line)
    moment = dt.datetime.fromisoformat(call["timestamp"].replace("Z", "+00:00")) - dt.timedelta(minutes=minutes)
    call["timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(call, separators=(",", ":"), ensure_ascii=False)


def late_and_corrected(generated_raw: Path) -> tuple[dict[Path, list[str]], list[str]]:
    """Day N-6's event files with every CORRECTED_EVERY-th timestamp moved, and day N-5's files without
    every LATE_EVERY-th line; and those late lines."""
    rewritten: dict[Path, list[str]] = {}
    late_lines: list[str] = []
    for path in sorted((generated_raw / "events").rglob("*.jsonl.gz")):
        relative = path.relative_to(generated_raw)
        if day_of(relative) == LATE_DAY:
            lines = read_lines(path)
            late_lines += lines[LATE_EVERY - 1 :: LATE_EVERY]
            rewritten[relative] = [line for index, line in enumerate(lines, 1) if index % LATE_EVERY]
        elif day_of(relative) == CORRECTED_DAY:
            rewritten[relative] = [
                earlier_timestamp(line, 20) if index % CORRECTED_EVERY == 0 else line
                for index, line in enumerate(read_lines(path), 1)
            ]
    return rewritten, late_lines


SHARED_BROWSER = "shared-browser-anonymous-id"
SHARED_BROWSER_DAY = FIRST_INCREMENT_DAY - dt.timedelta(days=2)  # in the first delivery


def shared_browser_lines(day: dt.date, user_id: str) -> list[str]:
    """Three page views on one browser (anonymous id SHARED_BROWSER) at 02:00, 02:05 and 02:10 UTC of
    `day`, the middle one logged in as user_id. The first delivery has user A's visit only (the browser
    belongs to A); the second adds user B's: logged in as two users, the browser becomes shared (link_limit),
    so every one of its events is attributed again, by the nearest login in time."""
    lines = []
    for minute, logged_in in ((0, False), (5, True), (10, False)):
        at = dt.datetime.combine(day, dt.time(2, minute)).isoformat(timespec="milliseconds") + "Z"
        call = {
            "type": "page", "name": "Home", "messageId": f"shared-browser-{day.isoformat()}-{minute:02d}",
            "anonymousId": SHARED_BROWSER, "properties": {"path": "/", "url": "https://www.yuedong.example/"},
            "context": {"ip": "10.1.2.3", "locale": "zh-CN", "userAgent": "Mozilla/5.0 (Windows NT 10.0)",
                        "library": {"name": "analytics.js", "version": "next-1.70.0"}, "platform": "web",
                        "page": {"path": "/", "url": "https://www.yuedong.example/"}},
            "timestamp": at, "sentAt": at, "receivedAt": at,
        }
        if logged_in:
            call["userId"] = user_id
        lines.append(json.dumps(call))
    return lines


def write_first_delivery(generated_raw: Path, raw_dir: Path) -> None:
    """The raw files as they stood after day N-3: no later day, day N-5 without its late events, day N-6
    as first delivered."""
    rewritten, _ = late_and_corrected(generated_raw)
    for path in sorted(generated_raw.rglob("*")):
        relative = path.relative_to(generated_raw)
        day = day_of(relative)
        if path.is_dir() or (day is not None and day >= FIRST_INCREMENT_DAY):
            continue
        (raw_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        if relative in rewritten and day == LATE_DAY:
            write_lines(raw_dir / relative, rewritten[relative])
        else:
            shutil.copy2(path, raw_dir / relative)
    write_lines(raw_dir / "events" / f"date={SHARED_BROWSER_DAY.isoformat()}" / "shared-browser.jsonl.gz",
                shared_browser_lines(SHARED_BROWSER_DAY, "U-SHARED-BROWSER-A"))


def write_second_delivery(generated_raw: Path, raw_dir: Path) -> None:
    """Bring raw_dir to the final state: days N-2..N, the late events in a new file under day N's folder,
    day N-6's file re-delivered corrected. Files that did not change keep their modification time (the
    ingest skips them)."""
    rewritten, late_lines = late_and_corrected(generated_raw)
    for path in sorted(generated_raw.rglob("*")):
        relative = path.relative_to(generated_raw)
        day = day_of(relative)
        if path.is_dir():
            continue
        if day is not None and day >= FIRST_INCREMENT_DAY:
            (raw_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, raw_dir / relative)
        elif relative in rewritten and day == CORRECTED_DAY:
            write_lines(raw_dir / relative, rewritten[relative])
    write_lines(raw_dir / "events" / f"date={LAST_DAY.isoformat()}" / "late-0000.jsonl.gz", late_lines)
    write_lines(raw_dir / "events" / f"date={LAST_DAY.isoformat()}" / "shared-browser.jsonl.gz",
                shared_browser_lines(LAST_DAY, "U-SHARED-BROWSER-B"))


def dbt_build(folder: Path, warehouse: Path, selection: str, *arguments: str) -> float:
    """`dbt build --select selection` into warehouse (unit tests excluded: the suite runs them elsewhere);
    returns the wall time in seconds."""
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"),
        "PII_HASH_SALT": SALT,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
        "AS_OF": "",
        "REFRESH_FROM_DATE": "",
    }
    environment.pop("REFRESH_LOOKBACK_DAYS", None)
    command = [
        "build", "--select", selection,
        "--exclude", "test_type:unit", "--indirect-selection", "cautious",
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        *arguments,
    ]
    started = time.monotonic()
    completed = run_dbt(command, cwd=PROJECT_DIR, env=environment)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    return time.monotonic() - started


def persons_resessionized(warehouse: Path) -> tuple[int, int]:
    """(persons the last build recomputed, of which with changed events)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select count(*), count(*) filter (where has_changes) from intermediate.int_persons_resessionized"
        ).fetchone()


@dataclass(frozen=True)
class Builds:
    first: Path  # incremental warehouse after the build of days up to N-3
    second: Path  # ... after the incremental build of the second delivery
    full: Path  # the second delivery built once, with --full-refresh
    rerun_without_window: Path  # second + a re-run with nothing new and no lookback window
    rerun_with_window: Path  # ... + a re-run with the default lookback window
    healed: Path  # ... + rows deleted as by a crash after the pre-hook, + a re-run without window
    resessionized: dict[str, tuple[int, int]]  # per build: persons recomputed, of which with changes


# The sessions part alone: what a re-run with nothing new upstream needs.
SESSIONS_SELECTION = "int_persons_resessionized int_events_sessionized fct_sessions fct_person_daily_activity"
NO_WINDOW = ("--vars", '{refresh_from_date: "2999-01-01"}')


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    folder = tmp_path_factory.mktemp("incremental_sessions")
    generate(folder / "demo", persons=300, days=12, seed=7)
    generated, raw_dir = folder / "demo" / "raw", folder / "raw"
    incremental, full = folder / "incremental.duckdb", folder / "full.duckdb"
    timings, resessionized = {}, {}

    write_first_delivery(generated, raw_dir)
    ingest(raw_dir, incremental)
    timings["first build (days up to N-3)"] = dbt_build(folder, incremental, SELECTION)
    first = copy_warehouse(incremental, "first.duckdb")

    write_second_delivery(generated, raw_dir)
    ingest(raw_dir, incremental)
    timings["incremental build (days N-2..N, late and corrected events)"] = dbt_build(folder, incremental, SELECTION)
    resessionized["second"] = persons_resessionized(incremental)
    second = copy_warehouse(incremental, "second.duckdb")

    ingest(raw_dir, full)
    timings["full refresh of the same data"] = dbt_build(folder, full, SELECTION, "--full-refresh")

    dbt_build(folder, incremental, SESSIONS_SELECTION, *NO_WINDOW)
    resessionized["rerun_without_window"] = persons_resessionized(incremental)
    rerun_without_window = copy_warehouse(incremental, "rerun_without_window.duckdb")

    dbt_build(folder, incremental, SESSIONS_SELECTION)
    resessionized["rerun_with_window"] = persons_resessionized(incremental)
    rerun_with_window = copy_warehouse(incremental, "rerun_with_window.duckdb")

    # A run that died between the pre-hook's delete and the insert: rows of some persons gone from the
    # start of a visit on (every 7th person: from their third visit; every 11th: everything).
    with duckdb.connect(str(incremental)) as connection:
        connection.execute(
            """
            delete from intermediate.int_events_sessionized as stored
            where exists (
                select 1
                from (
                    select
                        person_id,
                        dense_rank() over (order by person_id) as person_number,
                        min(visit_started_at) as first_visit_at,
                        (array_agg(distinct visit_started_at order by visit_started_at))[3] as third_visit_at
                    from intermediate.int_events_sessionized
                    group by person_id
                ) as crashed
                where crashed.person_id = stored.person_id
                    and (
                        (crashed.person_number % 11 = 0 and stored.event_at >= crashed.first_visit_at)
                        or (crashed.person_number % 7 = 0 and stored.event_at >= crashed.third_visit_at)
                    )
            )
            """
        )
    dbt_build(folder, incremental, SESSIONS_SELECTION, *NO_WINDOW)
    resessionized["healed"] = persons_resessionized(incremental)
    healed = copy_warehouse(incremental, "healed.duckdb")

    for step, seconds in timings.items():
        print(f"{step}: {seconds:.1f}s")
    return Builds(first, second, full, rerun_without_window, rerun_with_window, healed, resessionized)


def test_second_delivery_changes_sessions_in_every_way(builds: Builds) -> None:
    """The data set exercises what the diff must catch: otherwise equality below would prove little."""
    with duckdb.connect(str(builds.second), read_only=True) as connection:
        connection.execute(f"attach '{builds.first}' as first_build (read_only)")
        counts = connection.execute(
            f"""
            select
                count(*) filter (where latest.event_id is not null and earlier.event_id is null
                    and latest.event_date < date '{FIRST_INCREMENT_DAY}') as late_events,
                count(*) filter (where latest.person_id <> earlier.person_id) as events_moved_to_another_person,
                count(*) filter (where latest.event_at <> earlier.event_at) as corrected_timestamps,
                count(*) filter (where latest.session_id <> earlier.session_id) as stored_events_in_another_session,
                count(*) filter (where latest.event_id is null) as events_gone
            from intermediate.int_events_sessionized as latest
            full outer join first_build.intermediate.int_events_sessionized as earlier
                on latest.event_id = earlier.event_id
            """
        ).fetchone()
        analysis_dates = connection.execute(
            """
            select
                (select max(event_date) from first_build.intermediate.int_events_sessionized),
                (select max(event_date) from intermediate.int_events_sessionized)
            """
        ).fetchone()
    late_events, moved, corrected, resessioned, gone = counts
    assert late_events > 0 and moved > 0 and corrected > 0 and resessioned > 0 and gone > 0, counts
    assert analysis_dates == (FIRST_INCREMENT_DAY - dt.timedelta(days=1), LAST_DAY)


@pytest.mark.parametrize("table", COMPARED_TABLES)
def test_incremental_build_equals_full_refresh(builds: Builds, table: str) -> None:
    assert rows_in_one_only(builds.second, builds.full, table) == (0, 0)


def test_incremental_build_attributes_again_only_some_stored_events(builds: Builds) -> None:
    """int_events_attributed is incremental too: the second build listed some stored events as stale (late
    and corrected events, merges and erasures touch them), not all; the data set has events attributed by
    time on shared identifiers, so that rule's branch of the stale list was exercised."""
    with duckdb.connect(str(builds.second), read_only=True) as connection:
        stale, stored, by_time = connection.execute(
            """
            select
                (select count(*) from intermediate.int_events_reattributed),
                (select count(*) from intermediate.int_events_attributed),
                (select count(*) from intermediate.int_events_attributed
                    where attribution_rule in ('shared_anonymous_id_by_time', 'shared_device_id_by_time'))
            """
        ).fetchone()
    assert 0 < stale < stored / 2, (stale, stored)
    # the shared browser's six events: A's visit at 02:00-02:10 of SHARED_BROWSER_DAY, B's on LAST_DAY
    assert by_time == 4, by_time  # the logged-out views; the logins themselves go by their user_id


def test_incremental_build_recomputes_only_some_persons(builds: Builds) -> None:
    recomputed, with_changes = builds.resessionized["second"]
    with duckdb.connect(str(builds.second), read_only=True) as connection:
        persons = connection.execute(
            "select count(distinct person_id) from intermediate.int_events_sessionized"
        ).fetchone()[0]
    assert 0 < with_changes <= recomputed < persons


def test_rerun_with_nothing_new_recomputes_no_person(builds: Builds) -> None:
    assert builds.resessionized["rerun_without_window"] == (0, 0)
    for table in COMPARED_TABLES:
        assert rows_in_one_only(builds.rerun_without_window, builds.second, table) == (0, 0), table


def test_rerun_with_the_lookback_window_changes_no_row(builds: Builds) -> None:
    recomputed, with_changes = builds.resessionized["rerun_with_window"]
    assert recomputed > 0 and with_changes == 0
    for table in COMPARED_TABLES:
        assert rows_in_one_only(builds.rerun_with_window, builds.second, table) == (0, 0), table


def test_rows_deleted_by_a_crashed_run_come_back(builds: Builds) -> None:
    recomputed, with_changes = builds.resessionized["healed"]
    assert recomputed == with_changes > 0
    for table in COMPARED_TABLES:
        assert rows_in_one_only(builds.healed, builds.full, table) == (0, 0), table
