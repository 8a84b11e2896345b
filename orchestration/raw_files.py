"""Registers raw files as tables in the warehouse's `raw` schema: the ingest step of every refresh.

Each source folder of the raw directory becomes one table `raw.<source>` with the same columns for
every file format, so staging reads all sources alike:

    _raw_row_id   '<file path>:<row number>' (rows DuckDB's CSV reader rejects: '<file path>:line<N>')
    _file_path    path of the file relative to the source folder
    _file_date    the day of a `date=YYYY-MM-DD` folder in that path, else null
    _row_number   position of the row in its file (JSON lines: the line number; a file mixing LF and
                  CRLF line ends may number lines after a CRLF one higher - still unique and stable)
    _load_id      the ingest run that loaded this version of the file
    _loaded_at    when it was loaded (UTC)
    _parse_error  why the reader could not parse the row, else null
    payload       the row as a JSON object text (CSV and Parquet rows are converted; JSON lines are kept
                  verbatim, malformed ones included, so staging can quarantine them with their text)

Loading is incremental and idempotent: `raw._loaded_files` remembers each file's size and
modification time; unchanged files are skipped, changed files are replaced, vanished files are removed.
Each file is swapped in its own transaction, so a failed load leaves every file at its old or new version.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.settings import RAW_SOURCES
from orchestration.storage import sql_literal

JSON_LINE_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)
DATE_FOLDER = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})(?:/|$)")

RAW_COLUMNS = """
    _raw_row_id varchar,
    _file_path varchar,
    _file_date date,
    _row_number bigint,
    _load_id varchar,
    _loaded_at timestamp,
    _parse_error varchar,
    payload varchar
"""

MANIFEST_COLUMNS = """
    source varchar,
    raw_root varchar,
    file_path varchar,
    file_size bigint,
    file_modified_ns bigint,
    load_id varchar,
    loaded_at timestamp,
    row_count bigint,
    rejected_row_count bigint
"""


@dataclass
class SourceLoad:
    """What one ingest run did to one source."""

    source: str
    files_found: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    rows_loaded: int = 0
    rows_rejected_by_reader: int = 0
    total_rows: int = 0
    ignored_files: list[str] = field(default_factory=list)


def file_format(path: Path) -> str | None:
    """'json_lines', 'csv' or 'parquet' from the file name, None for files the contract does not cover."""
    name = path.name.lower()
    if name.endswith(JSON_LINE_SUFFIXES):
        return "json_lines"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def discover_files(source_dir: Path) -> tuple[list[Path], list[Path]]:
    """Data files under a source folder (sorted) and the files ignored because of their type.

    Hidden files and marker files (names starting with '.' or '_', like _SUCCESS) are skipped silently.
    """
    if not source_dir.is_dir():
        return [], []
    data_files, ignored = [], []
    for path in sorted(source_dir.rglob("*")):
        relative_parts = path.relative_to(source_dir).parts
        if not path.is_file() or any(part.startswith((".", "_")) for part in relative_parts):
            continue
        (data_files if file_format(path) else ignored).append(path)
    return data_files, ignored


def _csv_header(path: Path) -> list[str]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    return next(csv.reader(io.StringIO(first_line)), [])


def _rows_select(connection: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A SELECT producing (_row_number, _parse_error, payload) for one file."""
    location = sql_literal(str(path))
    kind = file_format(path)
    if kind == "parquet":
        return f"""
            select row_number() over () as _row_number, null as _parse_error, to_json(r) as payload
            from read_parquet({location}, hive_partitioning = false) as r
        """
    if kind == "json_lines":
        # One VARCHAR column per line: a delimiter that valid JSON never contains raw, no quoting.
        # Malformed lines are kept verbatim for staging to quarantine.
        return f"""
            select _row_number, null as _parse_error, rtrim(line, chr(13)) as payload
            from (
                select row_number() over () as _row_number, line
                from read_csv({location}, columns = {{'line': 'VARCHAR'}}, header = false,
                    delim = chr(31), quote = '', escape = '', auto_detect = false, hive_partitioning = false,
                    strict_mode = false, max_line_size = 16777216)
            )
            where trim(coalesce(line, ''), chr(13) || ' ') <> ''
        """
    header = _csv_header(path)
    if not header or len(set(header)) != len(header):
        raise ValueError(f"CSV header is empty or repeats a column name: {header}")
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header)
    connection.execute("drop table if exists csv_rejects; drop table if exists csv_reject_scans")
    return f"""
        select row_number() over () as _row_number, null as _parse_error, to_json(r) as payload
        from read_csv({location}, columns = {{{columns}}}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', max_line_size = 16777216, hive_partitioning = false,
            store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans') as r
    """


def _read_file(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    relative_path: str,
    load_id: str,
    loaded_at: datetime,
) -> tuple[int, int]:
    """Read one file into the temporary table `file_rows`; returns (rows, rows the reader rejected)."""
    date_match = DATE_FOLDER.search(relative_path)
    common = f"""
        {sql_literal(relative_path)} as _file_path,
        {f"date {sql_literal(date_match.group(1))}" if date_match else "null::date"} as _file_date,
        {sql_literal(load_id)} as _load_id,
        {sql_literal(loaded_at.isoformat())}::timestamp as _loaded_at
    """
    connection.execute(f"create or replace temp table file_rows ({RAW_COLUMNS})")
    try:
        rows_select = _rows_select(connection, path)
        connection.execute(f"""
            insert into file_rows by name
            select {sql_literal(relative_path)} || ':' || _row_number as _raw_row_id, {common},
                _row_number, _parse_error, payload
            from ({rows_select})
        """)
        if file_format(path) == "csv":
            # Rows the CSV reader could not split into the header's columns keep their text as payload.
            connection.execute(f"""
                insert into file_rows by name
                select {sql_literal(relative_path)} || ':line' || line as _raw_row_id, {common},
                    line as _row_number,
                    string_agg(distinct error_type || ': ' || error_message, '; ') as _parse_error,
                    any_value(csv_line) as payload
                from csv_rejects
                -- The reader may report several errors for one line: it is still one raw row.
                group by line
            """)
    except (duckdb.Error, ValueError, OSError, UnicodeDecodeError) as error:
        # An unreadable file (corrupt gzip or Parquet, broken header) becomes one rejected row, not a crash
        # and not a silent gap: staging quarantines it as malformed_record.
        connection.execute(f"create or replace temp table file_rows ({RAW_COLUMNS})")
        connection.execute(
            f"""insert into file_rows by name
            select {sql_literal(relative_path)} || ':file' as _raw_row_id, {common}, 0 as _row_number,
                ? as _parse_error, null as payload""",
            [f"unreadable file: {str(error).splitlines()[0][:500]}"],
        )
    return connection.execute(
        "select count(*), count(_parse_error) from file_rows"
    ).fetchall()[0]


@contextmanager
def _transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    connection.execute("begin transaction")
    try:
        yield
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")


def _forget_file(connection: duckdb.DuckDBPyConnection, source: str, relative_path: str) -> None:
    connection.execute(f"delete from raw.{source} where _file_path = ?", [relative_path])
    connection.execute("delete from raw._loaded_files where source = ? and file_path = ?", [source, relative_path])


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one (possibly empty) table per source, and the file manifest."""
    connection.execute("create schema if not exists raw")
    for source in RAW_SOURCES:
        connection.execute(f"create table if not exists raw.{source} ({RAW_COLUMNS})")
    connection.execute(f"create table if not exists raw._loaded_files ({MANIFEST_COLUMNS})")


def load_raw_directory(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    progress: Callable[[str], None] = lambda message: None,
    sources: Iterable[str] = RAW_SOURCES,
) -> list[SourceLoad]:
    """Bring raw.<source> in line with the files under raw_dir/<source>/; returns what changed."""
    raw_dir = raw_dir.resolve()
    connection.execute("set TimeZone = 'UTC'")
    connection.execute("set preserve_insertion_order = true")
    ensure_raw_schema(connection)
    load_id = datetime.now(timezone.utc).strftime("load_%Y%m%dT%H%M%SZ_") + uuid.uuid4().hex[:6]
    loads = []
    for source in sources:
        started = time.monotonic()
        load = SourceLoad(source=source)
        files, load.ignored_files = discover_files(raw_dir / source)
        load.files_found = len(files)
        known = {
            row[0]: (row[1], row[2], row[3])
            for row in connection.execute(
                "select file_path, file_size, file_modified_ns, raw_root from raw._loaded_files where source = ?",
                [source],
            ).fetchall()
        }
        on_disk = set()
        for path in files:
            relative_path = path.relative_to(raw_dir / source).as_posix()
            on_disk.add(relative_path)
            stat = path.stat()
            if known.get(relative_path) == (stat.st_size, stat.st_mtime_ns, str(raw_dir)):
                load.files_unchanged += 1
                continue
            loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
            rows, rejected = _read_file(connection, path, relative_path, load_id, loaded_at)
            # Swap the file's rows and its manifest entry in one transaction: a file is either its old
            # version or its new one, never half of each, and never twice.
            with _transaction(connection):
                _forget_file(connection, source, relative_path)
                connection.execute(f"insert into raw.{source} by name select * from file_rows")
                connection.execute(
                    "insert into raw._loaded_files values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [source, str(raw_dir), relative_path, stat.st_size, stat.st_mtime_ns, load_id, loaded_at,
                     rows, rejected],
                )
            load.files_loaded += 1
            load.rows_loaded += rows
            load.rows_rejected_by_reader += rejected
        for relative_path in sorted(set(known) - on_disk):
            with _transaction(connection):
                _forget_file(connection, source, relative_path)
            load.files_removed += 1
        load.total_rows = connection.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
        progress(
            f"ingest {source:<17} {load.files_loaded:>4} files loaded, {load.files_unchanged:>4} unchanged, "
            f"{load.files_removed} removed, {load.rows_loaded:>10,} rows in {time.monotonic() - started:5.1f}s"
        )
        loads.append(load)
    return loads
