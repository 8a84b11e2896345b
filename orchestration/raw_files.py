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
    _parse_error  why the reader could not take the row, else null; a reader reason code leads it where one
                  applies ('invalid_encoding: ...', 'oversized_record: ...', 'truncated_file: ...',
                  'unreadable_file: ...': macros/raw_reader_checks.sql); CSV rows whose fields do not match
                  the header carry the reader's words and are quarantined as malformed_record
    payload       the row as a JSON object text (CSV and Parquet rows are converted; JSON lines are kept
                  verbatim, malformed ones included, so staging can quarantine them with their text)

Lines, not files, are the unit of raw data. Clean UTF-8 files take DuckDB's reader (the fast path). A
text file it cannot take whole - bytes that are not UTF-8, another encoding (declared in SOURCE_ENCODINGS, a
byte-order mark, or GB18030 recognized), a damaged gzip, a line above MAX_RAW_LINE_BYTES - is read line by
line instead (orchestration/raw_lines.py), so a broken line loses only itself. Only a file of which no line
can be read (a zero-byte gzip, a Parquet file with a broken footer) becomes one 'unreadable_file' row.
`raw._loaded_files` records each file's encoding and the bytes no line holds (`unsplit_bytes`).

Loading is incremental and idempotent: `raw._loaded_files` remembers each file's size and
modification time; unchanged files are skipped, changed files are replaced, vanished files are removed.
New and changed files are swapped in by groups of files, one transaction each (rows straight into
raw.<source>, no staging copy; old rows deleted only for files loaded before), so a failed or killed load
leaves every file at its old or new version, never half of each and never twice.
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
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration import raw_lines
from orchestration.raw_lines import DEFAULT_MAX_LINE_BYTES, UnreadableFile
from orchestration.settings import RAW_SOURCES, Settings
from orchestration.storage import sql_literal

JSON_LINE_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)
DATE_FOLDER = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})(?:/|$)")
# Rows of a file read line by line that go to DuckDB in one Arrow batch.
LINE_BATCH_ROWS = 50_000
# Raw files loaded per transaction, by their size on disk (gzip: some 8x that in rows); see _load_files.
TRANSACTION_BYTES = 64 * 2**20

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
    rejected_row_count bigint,
    encoding varchar,
    unsplit_bytes bigint
"""
# Columns added to the manifest after its first release: added in place to older warehouses.
MANIFEST_ADDED_COLUMNS = {"encoding": "varchar", "unsplit_bytes": "bigint"}
MANIFEST_COLUMN_NAMES = ", ".join(line.split()[0] for line in MANIFEST_COLUMNS.strip().splitlines())


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

    def progress_line(self, seconds: float) -> str:
        return (f"ingest {self.source:<17} {self.files_loaded:>4} files loaded, {self.files_unchanged:>4} unchanged, "
                f"{self.files_removed} removed, {self.rows_loaded:>10,} rows in {seconds:5.1f}s")


def new_load_id() -> str:
    """The id of one ingest run, stamped on every row and manifest entry it writes ('load_<UTC time>_<random>')."""
    return datetime.now(UTC).strftime("load_%Y%m%dT%H%M%SZ_") + uuid.uuid4().hex[:6]


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


@dataclass(frozen=True)
class ReadOptions:
    """How text files are read: the line limit and each source's declared encoding (settings.py)."""

    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    encodings: dict[str, str] = field(default_factory=dict)


def read_options(settings: Settings) -> ReadOptions:
    """The ingest's reading options from the run settings (MAX_RAW_LINE_BYTES, SOURCE_ENCODINGS)."""
    return ReadOptions(settings.max_raw_line_bytes, dict(settings.source_encodings))


@dataclass
class _PendingFile:
    """A new or changed file waiting to be loaded, and the figures its manifest entry records."""

    path: Path
    relative_path: str
    size: int
    modified_ns: int
    loaded_at: datetime | None = None
    rows: int = 0
    rejected: int = 0
    encoding: str | None = None
    unsplit_bytes: int = 0


class _FastPathFailed(Exception):
    """DuckDB's reader could not take `file` whole (the message says why): read it line by line instead."""

    def __init__(self, file: _PendingFile, message: str) -> None:
        super().__init__(message)
        self.file = file


def _rows_select(connection: duckdb.DuckDBPyConnection, path: Path, max_line_bytes: int) -> str:
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
        # Malformed lines are kept verbatim for staging to quarantine. Blank lines (only spaces and CRs) are
        # skipped after numbering. The regex stops at a line's first other character and only CR-ended lines
        # are trimmed: trim() on every line would copy the payloads, most of the ingest's bytes.
        return f"""
            select _row_number, null as _parse_error,
                case when suffix(line, chr(13)) then rtrim(line, chr(13)) else line end as payload
            from (
                select row_number() over () as _row_number, line
                from read_csv({location}, columns = {{'line': 'VARCHAR'}}, header = false,
                    delim = chr(31), quote = '', escape = '', auto_detect = false, hive_partitioning = false,
                    strict_mode = false, max_line_size = {max_line_bytes})
            )
            where regexp_matches(line, '[^\r ]')
        """
    header = _csv_header(path)
    if not header or len(set(header)) != len(header):
        raise ValueError(f"CSV header is empty or repeats a column name: {header}")
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header)
    connection.execute("drop table if exists csv_rejects; drop table if exists csv_reject_scans")
    return f"""
        select row_number() over () as _row_number, null as _parse_error, to_json(r) as payload
        from read_csv({location}, columns = {{{columns}}}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', max_line_size = {max_line_bytes}, hive_partitioning = false,
            store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans') as r
    """


def _insert_file(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    file: _PendingFile,
    load_id: str,
    options: ReadOptions,
    fast_path_error: str | None,
) -> None:
    """Insert one file's rows straight into raw.<source>, inside the caller's transaction; records its counts.

    The fast path (DuckDB's reader) raises _FastPathFailed when it cannot take the file whole; the failed
    statement has then aborted the transaction, so the caller loads the file again with fast_path_error set:
    a text file then goes line by line, a Parquet file (no lines) becomes one unreadable_file row.
    """
    relative_path = file.relative_path
    date_match = DATE_FOLDER.search(relative_path)
    file.loaded_at = datetime.now(UTC).replace(tzinfo=None)
    file.unsplit_bytes = 0
    common = f"""
        {sql_literal(relative_path)} as _file_path,
        {f"date {sql_literal(date_match.group(1))}" if date_match else "null::date"} as _file_date,
        {sql_literal(load_id)} as _load_id,
        {sql_literal(file.loaded_at.isoformat())}::timestamp as _loaded_at
    """
    kind = file_format(file.path)
    declared = options.encodings.get(source)
    if kind == "parquet" and fast_path_error is not None:
        _insert_unreadable(connection, source, file, common, f"unreadable_file: {fast_path_error}")
        return
    marked = raw_lines.byte_order_mark_encoding(file.path) if kind != "parquet" else None
    if kind != "parquet" and (fast_path_error is not None or not _fast_path_fits(marked, declared)):
        _insert_file_lines(connection, source, file, common, kind, declared, options.max_line_bytes)
        return
    try:
        rows_select = _rows_select(connection, file.path, options.max_line_bytes)
        [(rows,)] = connection.execute(f"""
            insert into raw.{source} by name
            select {sql_literal(relative_path + ":")} || _row_number as _raw_row_id, {common},
                _row_number, _parse_error, payload
            from ({rows_select})
        """).fetchall()
        rejected = 0
        if kind == "csv":
            [(undecodable,)] = connection.execute(
                "select count(*) from csv_rejects where error_type in ('INVALID ENCODING', 'LINE SIZE OVER MAXIMUM')"
            ).fetchall()
            if undecodable:
                raise _FastPathFailed(file, "lines that are not UTF-8 or longer than MAX_RAW_LINE_BYTES")
            # Rows the CSV reader could not split into the header's columns keep their text as payload.
            [(rejected,)] = connection.execute(f"""
                insert into raw.{source} by name
                select {sql_literal(relative_path + ":line")} || line as _raw_row_id, {common},
                    line as _row_number,
                    string_agg(distinct error_type || ': ' || error_message, '; ') as _parse_error,
                    any_value(csv_line) as payload
                from csv_rejects
                -- The reader may report several errors for one line: it is still one raw row.
                group by line
            """).fetchall()
    except duckdb.InterruptException:
        raise
    except (duckdb.Error, ValueError, OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as error:
        raise _FastPathFailed(file, _first_line(error)) from error
    file.rows, file.rejected = rows + rejected, rejected
    if kind != "parquet":
        file.encoding = marked or "utf-8"


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:500]


def _fast_path_fits(marked: str | None, declared: str | None) -> bool:
    """Whether DuckDB's UTF-8 reader may take a text file: no other encoding declared or marked."""
    if declared and raw_lines.canonical_encoding(declared) not in ("utf-8", "utf-8-sig"):
        return False
    return marked in (None, "utf-8-sig")


def _insert_unreadable(
    connection: duckdb.DuckDBPyConnection, source: str, file: _PendingFile, common: str, error: str
) -> None:
    """A file of which no line can be read becomes one rejected row (not a crash, not a silent gap)."""
    connection.execute(
        f"""insert into raw.{source} by name
        select {sql_literal(file.relative_path + ":file")} as _raw_row_id, {common}, 0 as _row_number,
            ? as _parse_error, null as payload""",
        [error],
    )
    file.rows, file.rejected, file.unsplit_bytes, file.encoding = 1, 1, file.size, None


def _insert_file_lines(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    file: _PendingFile,
    common: str,
    kind: str,
    declared: str | None,
    max_line_bytes: int,
) -> None:
    """Read a text file line by line (orchestration/raw_lines.py) and insert its rows in Arrow batches."""
    try:
        lines = raw_lines.read_text_file(file.path, kind, declared, max_line_bytes)
        file.encoding = lines.encoding
        file.rows = file.rejected = 0
        batch: list[raw_lines.RawLine] = []
        for row in lines.rows:
            batch.append(row)
            if len(batch) >= LINE_BATCH_ROWS:
                _insert_line_batch(connection, source, file, common, batch)
                batch = []
        _insert_line_batch(connection, source, file, common, batch)
        file.unsplit_bytes = lines.unsplit_bytes
    except UnreadableFile as error:
        # Raised before any line is produced (raw_lines: no decompressed byte), so nothing was inserted.
        _insert_unreadable(connection, source, file, common, str(error))
    except OSError as error:
        _insert_unreadable(connection, source, file, common, f"unreadable_file: {_first_line(error)}")


def _insert_line_batch(
    connection: duckdb.DuckDBPyConnection, source: str, file: _PendingFile, common: str, batch: list
) -> None:
    if not batch:
        return
    import pyarrow as pa

    line_rows = pa.table({
        "id_suffix": pa.array([row.id_suffix for row in batch], pa.string()),
        "_row_number": pa.array([row.row_number for row in batch], pa.int64()),
        "_parse_error": pa.array([row.parse_error for row in batch], pa.string()),
        "payload": pa.array([row.payload for row in batch], pa.string()),
    })
    connection.register("_raw_line_rows", line_rows)
    try:
        connection.execute(f"""
            insert into raw.{source} by name
            select {sql_literal(file.relative_path + ":")} || id_suffix as _raw_row_id, {common},
                _row_number, _parse_error, payload
            from _raw_line_rows
        """)
    finally:
        connection.unregister("_raw_line_rows")
    file.rows += len(batch)
    file.rejected += sum(1 for row in batch if row.parse_error is not None)


@contextmanager
def _transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    connection.execute("begin transaction")
    try:
        yield
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")


def _forget_files(connection: duckdb.DuckDBPyConnection, source: str, relative_paths: list[str]) -> None:
    """Delete the rows and manifest entries of files loaded before: one scan of raw.<source> for them all."""
    if not relative_paths:
        return
    connection.execute(f"delete from raw.{source} where _file_path in (select unnest(?::varchar[]))", [relative_paths])
    connection.execute(
        "delete from raw._loaded_files where source = ? and file_path in (select unnest(?::varchar[]))",
        [source, relative_paths],
    )


def _transaction_groups(files: list[_PendingFile], max_bytes: int) -> Iterator[list[_PendingFile]]:
    """Consecutive runs of files of at most max_bytes on disk together (a bigger file forms its own group)."""
    group: list[_PendingFile] = []
    group_bytes = 0
    for file in files:
        if group and group_bytes + file.size > max_bytes:
            yield group
            group, group_bytes = [], 0
        group.append(file)
        group_bytes += file.size
    if group:
        yield group


def _load_files(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    raw_dir: Path,
    files: list[_PendingFile],
    known: set[str],
    load_id: str,
    options: ReadOptions,
) -> None:
    """Swap new and changed files in: their old rows out, their new rows and manifest entries in.

    Files go in by groups of TRANSACTION_BYTES, one transaction each, so a killed or failed run leaves every
    file at its old version or its new one, never half of each and never twice. A commit per file costs
    more than a small file; one transaction for a whole large source peaked at 7.9 GB RSS (10M events, 8 GB
    memory limit) against 4.4 GB with 64 MiB groups, for the same CPU. A file DuckDB's reader cannot take
    whole aborts its transaction (DuckDB has no savepoints): the files up to it are then loaded again, it line
    by line, and committed, and the rest follows in a new transaction: each file is read at most twice.
    """
    fast_path_errors: dict[str, str] = {}
    for group in _transaction_groups(files, TRANSACTION_BYTES):
        start, end = 0, len(group)
        while start < len(group):
            batch = group[start:end]
            try:
                with _transaction(connection):
                    known_paths = [file.relative_path for file in batch if file.relative_path in known]
                    _forget_files(connection, source, known_paths)
                    for file in batch:
                        _insert_file(connection, source, file, load_id, options,
                                     fast_path_errors.get(file.relative_path))
                    connection.executemany(
                        f"insert into raw._loaded_files ({MANIFEST_COLUMN_NAMES}) "
                        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            [source, str(raw_dir), file.relative_path, file.size, file.modified_ns, load_id,
                             file.loaded_at, file.rows, file.rejected, file.encoding, file.unsplit_bytes]
                            for file in batch
                        ],
                    )
            except _FastPathFailed as error:
                fast_path_errors[error.file.relative_path] = str(error)
                end = group.index(error.file) + 1
                continue
            start, end = end, len(group)


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one (possibly empty) table per source, and the file manifest."""
    connection.execute("create schema if not exists raw")
    for source in RAW_SOURCES:
        connection.execute(f"create table if not exists raw.{source} ({RAW_COLUMNS})")
    connection.execute(f"create table if not exists raw._loaded_files ({MANIFEST_COLUMNS})")
    for name, column_type in MANIFEST_ADDED_COLUMNS.items():
        connection.execute(f"alter table raw._loaded_files add column if not exists {name} {column_type}")


def load_raw_directory(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    progress: Callable[[str], None] = lambda message: None,
    sources: Iterable[str] = RAW_SOURCES,
    options: ReadOptions | None = None,
) -> list[SourceLoad]:
    """Bring raw.<source> in line with the files under raw_dir/<source>/; returns what changed."""
    options = options or ReadOptions()
    raw_dir = raw_dir.resolve()
    connection.execute("set TimeZone = 'UTC'")
    connection.execute("set preserve_insertion_order = true")
    ensure_raw_schema(connection)
    load_id = new_load_id()
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
        on_disk, pending = set(), []
        for path in files:
            relative_path = path.relative_to(raw_dir / source).as_posix()
            on_disk.add(relative_path)
            stat = path.stat()
            if known.get(relative_path) == (stat.st_size, stat.st_mtime_ns, str(raw_dir)):
                load.files_unchanged += 1
                continue
            pending.append(_PendingFile(path, relative_path, stat.st_size, stat.st_mtime_ns))
        _load_files(connection, source, raw_dir, pending, set(known), load_id, options)
        load.files_loaded = len(pending)
        load.rows_loaded = sum(file.rows for file in pending)
        load.rows_rejected_by_reader = sum(file.rejected for file in pending)
        vanished = sorted(set(known) - on_disk)
        if vanished:
            with _transaction(connection):
                _forget_files(connection, source, vanished)
        load.files_removed = len(vanished)
        load.total_rows = connection.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
        progress(load.progress_line(time.monotonic() - started))
        loads.append(load)
    return loads
