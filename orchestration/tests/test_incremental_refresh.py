"""Incremental refreshes build the warehouse one full refresh builds, and re-running a day changes nothing.

A small demo data set is refreshed two ways through the production entry point (`python -m orchestration.run
--raw-dir DIR --as-of DAY`, whatever it launches underneath), each into a fresh warehouse:

- full: one refresh of the final raw folder, as of its last day N;
- incremental: day-by-day refreshes while the raw folder grows a day at a time - every folder up to N-3 as
  of N-3, then N-2, N-1 and N, each as of its day.

Before either, some rows are made to arrive late, as a collector that buffered them delivers them: 5% of the
events received on N-4 and on N-2 leave their day's file for a new file in a later day's folder (N-1, N) with
receivedAt and sentAt on that day; one order of N-4 with its lines arrives in N-1's folder; a corrected CRM
version dated N-2 arrives in N's folder. The incremental warehouse sees them one to three refreshes late, the
full one with everything else; both end with byte-identical raw folders.

Every table of schema marts (listed from the warehouse, so a new mart is covered without editing this test)
must hold the same rows in both (two-way `except all`, zero rows), except where a mart records the refresh
process itself: PROCESS_RECORDS names each such mart, what is compared instead, and why. Then the
incremental warehouse's last day is refreshed again (same raw folder, same day): every table of schemas
raw, staging and marts (but the wall-clock columns of (STAGED_)RUN_TIMESTAMPS), and the day's activation exports
(but the manifest's written_at), must stay as they were.

pytest -s prints the wall time of the full refresh and of the last one-day incremental refresh.
"""

from __future__ import annotations

import csv
import filecmp
import gzip
import json
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate
from orchestration.tests.refresh_helpers import run_refresh

pytestmark = pytest.mark.slow

PERSONS, DAYS, SEED = 300, 12, 7
LAST_DAY = date(2026, 10, 31)  # N
SALT = "incremental-refresh-test-salt"
# The incremental warehouse's refreshes, in days before N: the first loads every folder up to N-3.
INCREMENTAL_DAYS_BEFORE_LAST = (3, 2, 1, 0)
# (days before N the events were received, days before N they arrive instead); one line in LATE_EVENT_EVERY.
LATE_EVENT_MOVES = ((4, 1), (2, 0))
LATE_EVENT_EVERY = 20
# The late order: received on N-4, arrives on N-1. The CRM correction: made on N-2, arrives on N.
LATE_ORDER_DAYS_BEFORE_LAST = (4, 1)
CRM_CORRECTION_DAYS_BEFORE_LAST = (2, 0)
TIER_CORRECTIONS = {"bronze": "silver", "silver": "gold", "gold": "platinum"}
DATE_FOLDER = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})(?:/|$)")
FULL, INCREMENTAL = "full_refresh", "incremental"
SAMPLE_ROWS = 3


@dataclass(frozen=True)
class ProcessRecord:
    """A mart that records the refresh process itself, so day-by-day refreshes and one full refresh differ
    by design. What must still agree: its columns but `left_out_columns`, on the rows `row_filter` keeps,
    or the rows of `query` ({mart} is the mart's qualified name); `compared=False`: checked elsewhere."""

    reason: str
    left_out_columns: tuple[str, ...] = ()
    row_filter: str = "true"
    query: str | None = None
    compared: bool = True


# Columns that say when a Python step ran (wall clock): they differ between any two refreshes, a re-run of the
# same day included, and are left out of every comparison.
RUN_TIMESTAMPS = {
    "rpt_clv_model_fits": ProcessRecord(
        reason="fitted_at is when the customer-value step ran (wall clock); the fits themselves must agree",
        left_out_columns=("fitted_at",),
    ),
    "rpt_cluster_model_selection": ProcessRecord(
        reason="fitted_at is when the clustering step ran (wall clock); the model selection must agree",
        left_out_columns=("fitted_at",),
    ),
}
# The same step outputs as staged: compared on the re-run, where staging must not change either.
STAGED_RUN_TIMESTAMPS = {
    "stg_clv__model_fits": RUN_TIMESTAMPS["rpt_clv_model_fits"],
    "stg_clustering__model_selection": RUN_TIMESTAMPS["rpt_cluster_model_selection"],
}

PROCESS_RECORDS = {
    **RUN_TIMESTAMPS,
    "fct_person_tag_history": ProcessRecord(
        reason="a type-2 history with a period per refresh date: the incremental warehouse saw four refresh "
        "dates, the full one a single date; the values valid at the end (valid_to null) must agree, but not "
        "since when they hold",
        left_out_columns=("valid_from",),
        row_filter="valid_to is null",
    ),
    "fct_person_identifier_history": ProcessRecord(
        reason="a type-2 history of each identifier's person per refresh date (as fct_person_tag_history): the "
        "current periods must agree, not since when they hold",
        left_out_columns=("valid_from",),
        row_filter="valid_to is null",
    ),
    "fct_segment_memberships": ProcessRecord(
        reason="a type-2 history of memberships per refresh date (as fct_person_tag_history): the current "
        "members must agree, not since when they are members",
        left_out_columns=("valid_from",),
        row_filter="valid_to is null",
    ),
    "rpt_segment_sizes": ProcessRecord(
        reason="one row per segment per refresh date, with the change since the previous refresh: the full "
        "warehouse has one refresh date, where every member counts as entered; the sizes on the last date "
        "must agree",
        left_out_columns=("previous_refresh_date", "count_entered", "count_left", "count_members_previous"),
        row_filter=f"refresh_date = date '{LAST_DAY}'",
    ),
    "rpt_tag_quality": ProcessRecord(
        reason="stability is the change since the previous refresh, which the full warehouse does not have "
        "(null, not judged); coverage and the value statistics must agree. quality_flag is left out with "
        "the stability columns because it combines both bounds (is_coverage_out_of_bounds is compared)",
        left_out_columns=(
            "previous_refresh_date", "count_persons_changed", "changed_share", "is_stability_out_of_bounds",
            "quality_flag",
        ),
        row_filter=f"as_of_date = date '{LAST_DAY}'",
    ),
    "rpt_source_row_accounting": ProcessRecord(
        reason="one row per source and ingest load: the incremental warehouse loaded the files in four loads, "
        "the full one in one; the totals per source must agree",
        query="""
            select
                source_name, sum(count_files), sum(count_raw_rows), sum(count_clean_rows),
                sum(count_duplicate_rows), sum(count_quarantined_rows), sum(count_reader_rejected_rows),
                bool_and(is_balanced)
            from {mart}
            group by source_name
        """,
    ),
    "fct_person_merges": ProcessRecord(
        reason="person ids absorbed between two refresh dates: one full refresh builds the final graph at once "
        "and sees no merge; test_merged_persons_resolve_to_persons_of_the_full_refresh checks instead that "
        "the merges the incremental runs saw end in persons of the full refresh",
        compared=False,
    ),
}


@dataclass(frozen=True)
class LateArrivals:
    """What deliver_late moved: the message ids of the late events, the late order, the corrected CRM record."""

    event_ids: frozenset[str]
    order_id: str
    crm_id: str
    corrected_tier: str


@dataclass(frozen=True)
class Refreshes:
    full: Path
    incremental: Path  # after its last day, copied before the re-run
    rerun: Path  # the same warehouse after re-running its last day
    full_raw: Path
    incremental_raw: Path
    exports_before_rerun: Path
    exports_after_rerun: Path
    late: LateArrivals


def day_before_last(days: int) -> date:
    return LAST_DAY - timedelta(days=days)


def shift_timestamp(text: str, days: int) -> str:
    """An ISO-8601 UTC timestamp as the generator writes it ('...T17:15:10.335Z'), days later."""
    moved = datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(days=days)
    return moved.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moved.microsecond // 1000:03d}Z"


def move_late_events(raw: Path, received_on: date, arriving_on: date) -> set[str]:
    """Move one line in LATE_EVENT_EVERY of the calls received on received_on into a new file of
    arriving_on's folder, received (and sent, the client having buffered them) that many days later."""
    days_late = (arriving_on - received_on).days
    moved_lines, moved_ids, eligible = [], set(), 0
    for path in sorted((raw / "events" / f"date={received_on}").glob("*.jsonl.gz")):
        kept_lines = []
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines(keepends=True):
            try:
                call = json.loads(line)
            except ValueError:
                call = None  # a malformed line the generator injected: it stays where it is
            if not (isinstance(call, dict) and isinstance(call.get("messageId"), str)
                    and isinstance(call.get("receivedAt"), str) and isinstance(call.get("sentAt"), str)):
                kept_lines.append(line)
                continue
            eligible += 1
            if eligible % LATE_EVENT_EVERY:
                kept_lines.append(line)
                continue
            call["receivedAt"] = shift_timestamp(call["receivedAt"], days_late)
            call["sentAt"] = shift_timestamp(call["sentAt"], days_late)
            moved_lines.append(json.dumps(call, ensure_ascii=False, separators=(",", ":")) + "\n")
            moved_ids.add(call["messageId"])
        path.write_bytes(gzip.compress("".join(kept_lines).encode("utf-8"), mtime=0))
    assert moved_lines, f"no events received on {received_on} to deliver late"
    late_file = raw / "events" / f"date={arriving_on}" / f"late-from-{received_on}.jsonl.gz"
    late_file.write_bytes(gzip.compress("".join(moved_lines).encode("utf-8"), mtime=0))
    return moved_ids


def split_csv(path: Path) -> tuple[str, list[tuple[list[str], str]]]:
    """A CSV file's header line and its other lines, each with its parsed fields (one record per line)."""
    header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return header, [(next(csv.reader([line])), line) for line in lines]


def move_late_order(raw: Path, received_on: date, arriving_on: date) -> str:
    """Move one paid order exported once, and its lines, from received_on's files to new files of
    arriving_on's folders; returns its order_id."""
    exports = Counter(
        fields[0] for path in (raw / "orders").rglob("*.csv") for fields, _ in split_csv(path)[1]
    )
    orders_path = raw / "orders" / f"date={received_on}" / "orders.csv"
    items_path = raw / "order_items" / f"date={received_on}" / "order_items.csv"
    order_header, orders = split_csv(orders_path)
    items_header, items = split_csv(items_path)
    status = next(csv.reader([order_header])).index("status")
    items_by_order = Counter(fields[0] for fields, _ in items)
    order_id = next(
        fields[0] for fields, _ in orders
        if exports[fields[0]] == 1 and fields[status] == "paid" and items_by_order[fields[0]]
    )
    for path, header, rows, name in (
        (orders_path, order_header, orders, "late_orders.csv"),
        (items_path, items_header, items, "late_order_items.csv"),
    ):
        path.write_text(header + "".join(line for fields, line in rows if fields[0] != order_id), encoding="utf-8")
        late_path = path.parent.parent / f"date={arriving_on}" / name
        late_path.parent.mkdir(exist_ok=True)
        late_path.write_text(header + "".join(line for fields, line in rows if fields[0] == order_id),
                             encoding="utf-8")
    return order_id


def correct_customer_late(raw: Path, corrected_on: date, arriving_on: date) -> tuple[str, str]:
    """Add a corrected version (member tier one up) of a CRM record last changed well before corrected_on,
    dated noon of corrected_on, in a new file of arriving_on's folder; returns the crm_id and the new tier."""
    latest: dict[str, tuple[date, dict]] = {}
    for path in sorted((raw / "customers").glob("date=*/*.jsonl")):
        day = date.fromisoformat(DATE_FOLDER.search(path.as_posix()).group(1))
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("crm_id"), str):
                latest[record["crm_id"]] = (day, record)
    crm_id, record = next(
        (crm_id, record) for crm_id, (day, record) in sorted(latest.items())
        if day <= corrected_on - timedelta(days=3)
        and record.get("member_tier") in TIER_CORRECTIONS
        and record.get("is_deleted") is False
        and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", str(record.get("updated_at")))
    )
    corrected = {
        **record,
        "member_tier": TIER_CORRECTIONS[record["member_tier"]],
        "updated_at": f"{corrected_on}T12:00:00+08:00",
    }
    late_path = raw / "customers" / f"date={arriving_on}" / "late_customers.jsonl"
    late_path.write_text(json.dumps(corrected, ensure_ascii=False) + "\n", encoding="utf-8")
    return crm_id, corrected["member_tier"]


def deliver_late(raw: Path) -> LateArrivals:
    """Make the final raw folder hold rows that arrived after the day they belong to (see the docstring)."""
    event_ids: set[str] = set()
    for received, arriving in LATE_EVENT_MOVES:
        event_ids |= move_late_events(raw, day_before_last(received), day_before_last(arriving))
    order_id = move_late_order(raw, *(day_before_last(days) for days in LATE_ORDER_DAYS_BEFORE_LAST))
    crm_id, tier = correct_customer_late(raw, *(day_before_last(days) for days in CRM_CORRECTION_DAYS_BEFORE_LAST))
    return LateArrivals(frozenset(event_ids), order_id, crm_id, tier)


def copy_raw_until(final_raw: Path, raw: Path, day: date) -> None:
    """Let raw grow to what a collector had delivered by the end of day: every file of a date folder up to
    day, and the files of no day (catalogue, order history)."""
    for path in sorted(final_raw.rglob("*")):
        relative = path.relative_to(final_raw)
        folder_day = DATE_FOLDER.search(relative.as_posix())
        if path.is_file() and (folder_day is None or date.fromisoformat(folder_day.group(1)) <= day):
            target = raw / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def refresh(raw: Path, warehouse: Path, day: date) -> float:
    """One refresh through the production entry point; returns its wall time in seconds."""
    started = time.monotonic()
    result = run_refresh(raw_dir=raw, warehouse_path=warehouse, salt=SALT, as_of=str(day))
    assert result.success, f"refresh of {raw} as of {day} failed:\n{result.output[-6000:]}"
    return time.monotonic() - started


def copy_warehouse(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, target.with_name(target.name + ".wal"))


@pytest.fixture(scope="module")
def refreshes(tmp_path_factory) -> Refreshes:
    folder = tmp_path_factory.mktemp("incremental_refresh")
    generate(folder / "demo", persons=PERSONS, days=DAYS, end_date=LAST_DAY, seed=SEED)
    final_raw = folder / "demo" / "raw"
    late = deliver_late(final_raw)
    full = folder / "full" / "profile.duckdb"
    incremental = folder / "incremental" / "profile.duckdb"
    incremental_raw = folder / "incremental_raw"
    with pytest.MonkeyPatch.context() as environment:
        # each warehouse keeps its exports and published copy beside it
        for name in ("EXPORT_DIR", "PUBLISHED_PATH", "AS_OF", "RAW_DIR"):
            environment.delenv(name, raising=False)
        full_seconds = refresh(final_raw, full, LAST_DAY)
        for days in INCREMENTAL_DAYS_BEFORE_LAST:
            copy_raw_until(final_raw, incremental_raw, day_before_last(days))
            last_day_seconds = refresh(incremental_raw, incremental, day_before_last(days))
        before_rerun = folder / "before_rerun" / "profile.duckdb"
        copy_warehouse(incremental, before_rerun)
        exports = incremental.parent / "exports" / str(LAST_DAY)
        exports_before_rerun = folder / "before_rerun" / "exports"
        shutil.copytree(exports, exports_before_rerun)
        rerun_seconds = refresh(incremental_raw, incremental, LAST_DAY)
    print(
        f"\nwall time: full refresh of {DAYS} days {full_seconds:.0f}s; one-day incremental refresh "
        f"({LAST_DAY}) {last_day_seconds:.0f}s; re-run of that day {rerun_seconds:.0f}s"
    )
    return Refreshes(
        full=full, incremental=before_rerun, rerun=incremental, full_raw=final_raw,
        incremental_raw=incremental_raw, exports_before_rerun=exports_before_rerun,
        exports_after_rerun=exports, late=late,
    )


@dataclass(frozen=True)
class Warehouses:
    """Two warehouse files to compare, and the names they are attached (and reported) under."""

    left: Path
    right: Path
    left_name: str = FULL
    right_name: str = INCREMENTAL

    def attach(self) -> duckdb.DuckDBPyConnection:
        """One in-memory connection with both warehouses attached read-only under their names."""
        connection = duckdb.connect()
        connection.execute(f"attach '{self.left}' as {self.left_name} (read_only)")
        connection.execute(f"attach '{self.right}' as {self.right_name} (read_only)")
        return connection


def list_tables(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        name for (name,) in connection.execute(
            """
            select table_name from information_schema.tables
            where table_catalog = ? and table_schema = ? order by table_name
            """,
            [catalog, schema],
        ).fetchall()
    ]


def list_columns(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        name for (name,) in connection.execute(
            """
            select column_name from information_schema.columns
            where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position
            """,
            [catalog, schema, table],
        ).fetchall()
    ]


def comparable_select(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str,
                      record: ProcessRecord | None) -> str:
    """What of the table must agree: all of it, or what its ProcessRecord says."""
    relation = f"{catalog}.{schema}.{table}"
    if record is None:
        return f"select * from {relation}"
    if record.query:
        return record.query.format(mart=relation)
    columns = [column for column in list_columns(connection, catalog, schema, table)
               if column not in record.left_out_columns]
    return f"select {', '.join(columns)} from {relation} where {record.row_filter}"


def describe_difference(connection: duckdb.DuckDBPyConnection, warehouses: Warehouses, name: str,
                        left_sql: str, right_sql: str) -> str | None:
    """The two-way `except all` of two selects: None when both are empty, else counts and sample rows."""
    sides = (
        (warehouses.left_name, f"{left_sql} except all {right_sql}"),
        (warehouses.right_name, f"{right_sql} except all {left_sql}"),
    )
    counts = [connection.execute(f"select count(*) from ({sql})").fetchone()[0] for _, sql in sides]
    if not any(counts):
        return None
    lines = [f"  {name}: " + ", ".join(f"{count} rows only in {side}" for (side, _), count in zip(sides, counts))]
    for side, sql in sides:
        result = connection.execute(f"select * from ({sql}) order by all limit {SAMPLE_ROWS}")
        if len(lines) == 1:
            lines.append("    columns: " + ", ".join(column[0] for column in result.description))
        lines.extend(f"    {side}: {row}" for row in result.fetchall())
    return "\n".join(lines)


def compare_tables(warehouses: Warehouses, schemas: tuple[str, ...],
                   records: dict[str, ProcessRecord]) -> tuple[list[str], list[str]]:
    """Every table of the schemas, as both warehouses hold it or as its ProcessRecord says; returns the
    tables compared and a description of each difference (a table one side lacks, columns, rows)."""
    compared, differences = [], []
    left, right = warehouses.left_name, warehouses.right_name
    with warehouses.attach() as connection:
        for schema in schemas:
            left_tables, right_tables = list_tables(connection, left, schema), list_tables(connection, right, schema)
            if left_tables != right_tables:
                differences.append(f"  schema {schema}: tables {left_tables} in {left}, {right_tables} in {right}")
            for table in sorted(set(left_tables) & set(right_tables)):
                record = records.get(table)
                if record is not None and not record.compared:
                    continue
                left_columns = list_columns(connection, left, schema, table)
                right_columns = list_columns(connection, right, schema, table)
                if left_columns != right_columns:
                    differences.append(f"  {schema}.{table}: columns {left_columns} vs {right_columns}")
                    continue
                compared.append(table)
                difference = describe_difference(
                    connection, warehouses, f"{schema}.{table}",
                    comparable_select(connection, left, schema, table, record),
                    comparable_select(connection, right, schema, table, record),
                )
                if difference:
                    differences.append(difference)
    return compared, differences


def query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def test_both_ways_end_with_identical_raw_folders(refreshes: Refreshes) -> None:
    files = sorted(path.relative_to(refreshes.full_raw) for path in refreshes.full_raw.rglob("*") if path.is_file())
    incremental_files = sorted(
        path.relative_to(refreshes.incremental_raw) for path in refreshes.incremental_raw.rglob("*") if path.is_file()
    )
    assert files == incremental_files
    _, mismatched, errors = filecmp.cmpfiles(refreshes.full_raw, refreshes.incremental_raw, files, shallow=False)
    assert (mismatched, errors) == ([], [])


def test_late_rows_are_clean_in_both_warehouses(refreshes: Refreshes) -> None:
    """The late rows exercise the incremental path only if staging accepts them: a late event quarantined
    in both warehouses would prove nothing."""
    late = refreshes.late
    for warehouse in (refreshes.full, refreshes.incremental):
        clean_events = {
            event_id for (event_id,) in query(
                warehouse, "select event_id from staging.stg_events__events where list_contains(?, event_id)",
                [sorted(late.event_ids)],
            )
        }
        assert len(clean_events) >= 0.8 * len(late.event_ids), warehouse
        assert query(warehouse, "select count(*) from staging.stg_orders__orders where order_id = ?",
                     [late.order_id]) == [(1,)]
        assert query(warehouse, "select member_tier from staging.stg_crm__customers where crm_id = ?",
                     [late.crm_id]) == [(late.corrected_tier,)]


def test_the_incremental_runs_loaded_the_late_files_late(refreshes: Refreshes) -> None:
    """Each refresh loaded its day's files in one ingest load; the late files came in after the files of
    the day their rows belong to."""
    loads = {
        (source, file_path): load_id for source, file_path, load_id in query(
            refreshes.incremental, "select source, file_path, load_id from raw._loaded_files"
        )
    }
    assert len({load_id for (source, _), load_id in loads.items() if source == "events"}) == len(
        INCREMENTAL_DAYS_BEFORE_LAST
    )
    first_load = loads[("events", f"date={day_before_last(4)}/part-0000.jsonl.gz")]
    late_loads = {key: load_id for key, load_id in loads.items() if Path(key[1]).name.startswith("late")}
    assert {source for source, _ in late_loads} == {"events", "orders", "order_items", "customers"}
    assert first_load not in late_loads.values()


def test_every_mart_equals_the_full_refresh(refreshes: Refreshes) -> None:
    warehouses = Warehouses(refreshes.full, refreshes.incremental)
    compared, differences = compare_tables(warehouses, ("marts",), PROCESS_RECORDS)
    assert not differences, "day-by-day refreshes differ from one full refresh:\n" + "\n".join(differences)
    assert len(compared) >= 30  # the marts were listed, not an empty schema
    with warehouses.attach() as connection:
        marts = set(list_tables(connection, FULL, "marts"))
    assert set(PROCESS_RECORDS) <= marts, "an entry of PROCESS_RECORDS names no mart"


def test_merged_persons_resolve_to_persons_of_the_full_refresh(refreshes: Refreshes) -> None:
    """Rows arriving day by day (late ones included) link persons an earlier refresh held apart, so the
    incremental runs record merges (this data set has some); the full refresh built the merged persons at
    once: each absorbed id is none of its persons, each surviving one is."""
    with Warehouses(refreshes.full, refreshes.incremental).attach() as connection:
        merges = connection.execute(
            f"""
            select
                merged_person_id,
                current_person_id,
                merged_person_id in (select person_id from {FULL}.marts.dim_persons) as is_merged_id_a_person,
                current_person_id in (select person_id from {FULL}.marts.dim_persons) as is_current_id_a_person
            from {INCREMENTAL}.marts.fct_person_merges
            """
        ).fetchall()
        full_merges = connection.execute(f"select count(*) from {FULL}.marts.fct_person_merges").fetchone()[0]
    assert merges, "the incremental runs saw no merge: nothing to check"
    assert [merge for merge in merges if merge[2] or not merge[3]] == []
    assert full_merges == 0


def test_rerunning_a_day_changes_no_raw_staging_or_mart_table(refreshes: Refreshes) -> None:
    """The raw tables and the ingest's file list (no unchanged file loaded again), every staging table and
    every mart (no person merge recorded by a second build of the same identity graph) stay as they were."""
    warehouses = Warehouses(refreshes.incremental, refreshes.rerun, "before_rerun", "after_rerun")
    compared, differences = compare_tables(warehouses, ("raw", "staging", "marts"),
                                          {**RUN_TIMESTAMPS, **STAGED_RUN_TIMESTAMPS})
    assert not differences, "re-running the last day changed:\n" + "\n".join(differences)
    assert {"_loaded_files", "events", "stg_events__events", "stg_crm__customers", "fct_person_tag_history",
            "fct_segment_memberships", "fct_person_identifier_history", "fct_person_merges"} <= set(compared)


def test_rerunning_a_day_writes_the_same_exports(refreshes: Refreshes) -> None:
    before, after = refreshes.exports_before_rerun, refreshes.exports_after_rerun
    names = sorted(path.name for path in before.iterdir())
    assert names == sorted(path.name for path in after.iterdir())
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (before, after)]
    for manifest in manifests:
        del manifest["written_at"]
    assert manifests[0] == manifests[1]
    data_files = [name for name in names if name != "manifest.json"]
    assert data_files
    _, mismatched, errors = filecmp.cmpfiles(before, after, data_files, shallow=False)
    assert (mismatched, errors) == ([], [])
