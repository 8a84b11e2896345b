"""The published warehouse: the copy of the marts that BI tools and notebooks read, swapped in atomically.

    python -m orchestration.publication [--describe]

BI readers never open the working warehouse: dbt and the Python steps write it during a refresh, and DuckDB
admits one writer that locks every reader out (and a reader would see some marts rebuilt and others not).
They open PUBLISHED_PATH (default <warehouse folder>/published/<warehouse file name>) read-only instead.
After every blocking check of a refresh has passed, the last step of the run (the asset
`published_warehouse`, orchestration/assets/publication.py) calls `publish_warehouse`, which

1. takes an exclusive lock on `.<name>.lock` beside the published file (one publication at a time) and
   deletes the `.<name>.<pid>-<token>.partial` files that interrupted publications left behind: a partial
   file present while the lock is held belongs to no running publication;
2. creates a new DuckDB file `.<name>.<pid>-<token>.partial` in the same folder, ATTACHes the working
   warehouse READ_ONLY and copies, in one transaction, every table and view (as a table) of the schemas in
   PUBLISHED_SCHEMAS - marts, and quality once it exists. Never raw, staging, intermediate or the Python
   steps' schemas: only the marts are stable, documented, and free of raw personal data;
3. records the publication in `_publication.publication` (one row: publication_id, published_at in UTC,
   as_of_date, run_id, count_tables, count_rows) and `_publication.published_tables` (one row per copied
   table: schema_name, table_name, source_type, count_rows);
4. CHECKPOINTs and closes it (no write-ahead log left beside it), makes it read-only (mode 0444, so a reader
   who forgets `read_only=True` gets an error instead of a write lock that would shut other readers out),
   fsyncs it, renames it onto the published path with os.replace, and fsyncs the folder.

The rename is atomic on POSIX: a reader connected before it keeps reading the old file (its open file
descriptor still points at the old inode, which the system frees when the last reader closes), a
connection opened after it reads the new file, and none is ever locked out, because no process opens the
published path for writing. Every connection therefore sees exactly one publication, never a mix. (A
long-lived Python process sees a new publication once it has closed every connection to the old one: until
then DuckDB's client hands back the database it already has open for `duckdb.connect(path)`.) Any
failure before the rename deletes the partial file and leaves the previous publication as it was; a
process killed mid-way leaves a partial file that the next publication deletes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.settings import Settings, load_settings
from orchestration.storage import exclusive_file_lock, fsync_path, sql_literal

# Schemas BI may read. Everything else in the working warehouse stays private to the refresh.
PUBLISHED_SCHEMAS = ("marts", "quality")
PUBLICATION_SCHEMA = "_publication"
PUBLICATION_TABLE = f"{PUBLICATION_SCHEMA}.publication"
PUBLISHED_TABLES_TABLE = f"{PUBLICATION_SCHEMA}.published_tables"
# The mart that records the analysis date of the build (models/marts/quality/rpt_data_coverage.yml).
DATA_COVERAGE_TABLE = ("marts", "rpt_data_coverage")
WORKING_ALIAS = "working"
PARTIAL_SUFFIX = ".partial"
READ_ONLY_MODE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class PublishedTable:
    schema_name: str
    table_name: str
    source_type: str  # 'table' or 'view' in the working warehouse; always a table in the published copy
    count_rows: int


@dataclass(frozen=True)
class PublicationResult:
    publication_id: str
    path: Path
    published_at: datetime
    as_of_date: date | None
    run_id: str
    tables: tuple[PublishedTable, ...]
    bytes: int
    seconds: float
    removed_partials: tuple[Path, ...] = ()

    @property
    def count_rows(self) -> int:
        return sum(table.count_rows for table in self.tables)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def partial_path(published_path: Path) -> Path:
    """A hidden name beside the published file, unique per process and call: where a publication is built."""
    return published_path.with_name(f".{published_path.name}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL_SUFFIX}")


def stale_partials(published_path: Path) -> list[Path]:
    """The partial files (and their write-ahead logs) of publications that never finished."""
    return sorted(published_path.parent.glob(f".{published_path.name}.*{PARTIAL_SUFFIX}*"))


@contextmanager
def _publication_lock(published_path: Path) -> Iterator[None]:
    """One publication at a time per published path. The operating system releases the lock when its holder
    dies, however it dies, so a killed publication never blocks the next one."""
    with exclusive_file_lock(published_path.with_name(f".{published_path.name}.lock")):
        yield


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _source_relations(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(schema, name, 'table' | 'view') of every relation of the published schemas in the working warehouse."""
    schemas = ", ".join(sql_literal(schema) for schema in PUBLISHED_SCHEMAS)
    return connection.execute(f"""
        select schema_name, table_name, 'table' from duckdb_tables()
        where database_name = '{WORKING_ALIAS}' and schema_name in ({schemas})
        union all
        select schema_name, view_name, 'view' from duckdb_views()
        where database_name = '{WORKING_ALIAS}' and schema_name in ({schemas}) and not internal
        order by 1, 2
    """).fetchall()


def _analysis_date(
    connection: duckdb.DuckDBPyConnection,
    relations: list[tuple[str, str, str]],
    as_of_date: str | None,
    pinned_as_of: str,
) -> date | None:
    """The given date; else the build's analysis date as the marts record it; else the pinned AS_OF setting;
    None when nothing records one."""
    if as_of_date:
        return date.fromisoformat(as_of_date)
    recorded = None
    if DATA_COVERAGE_TABLE in {(schema, name) for schema, name, _ in relations}:
        schema, name = DATA_COVERAGE_TABLE
        recorded = connection.execute(f"select max(as_of_date) from {WORKING_ALIAS}.{schema}.{name}").fetchone()[0]
    return recorded or (date.fromisoformat(pinned_as_of) if pinned_as_of else None)


def _write_publication(
    settings: Settings, path: Path, publication_id: str, published_at: datetime, run_id: str, as_of_date: str | None
) -> tuple[list[PublishedTable], date | None]:
    """Build the complete published copy in the new file at path; return its tables and analysis date."""
    connection = duckdb.connect(str(path), config=settings.duckdb_config)
    try:
        connection.execute(f"attach {sql_literal(str(settings.warehouse_path))} as {WORKING_ALIAS} (read_only)")
        relations = _source_relations(connection)
        analysis_date = _analysis_date(connection, relations, as_of_date, settings.as_of_date)
        tables: list[PublishedTable] = []
        # One transaction: one consistent snapshot of the working warehouse (nobody can write it anyway
        # while the read-only attachment holds its shared lock).
        connection.execute("begin transaction")
        for schema in sorted({schema for schema, _, _ in relations}):
            connection.execute(f"create schema {_quote(schema)}")
        for schema, name, source_type in relations:
            relation = f"{_quote(schema)}.{_quote(name)}"
            connection.execute(f"create table {relation} as select * from {WORKING_ALIAS}.{relation}")
            count_rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            tables.append(PublishedTable(schema, name, source_type, count_rows))
        connection.execute(f"create schema {PUBLICATION_SCHEMA}")
        connection.execute(f"""
            create table {PUBLICATION_TABLE} (
                publication_id varchar not null,
                published_at timestamptz not null,
                as_of_date date,
                run_id varchar not null,
                count_tables integer not null,
                count_rows bigint not null
            )
        """)
        connection.execute(
            f"insert into {PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?)",
            [publication_id, published_at, analysis_date, run_id, len(tables), sum(t.count_rows for t in tables)],
        )
        connection.execute(f"""
            create table {PUBLISHED_TABLES_TABLE} (
                publication_id varchar not null,
                schema_name varchar not null,
                table_name varchar not null,
                source_type varchar not null,
                count_rows bigint not null
            )
        """)
        if tables:
            connection.executemany(
                f"insert into {PUBLISHED_TABLES_TABLE} values (?, ?, ?, ?, ?)",
                [[publication_id, t.schema_name, t.table_name, t.source_type, t.count_rows] for t in tables],
            )
        connection.execute("commit")
        connection.execute(f"detach {WORKING_ALIAS}")
        # Everything into the database file itself: the file is renamed alone, without a .wal beside it.
        connection.execute("checkpoint")
    finally:
        connection.close()
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise RuntimeError(f"{wal} remained after the checkpoint: the publication is not self-contained")
    return tables, analysis_date


def publish_warehouse(settings: Settings, run_id: str, as_of_date: str | None = None) -> PublicationResult:
    """Copy the marts (and quality) of the working warehouse into a new file and swap it onto
    settings.published_path atomically (see the module docstring).

    as_of_date (YYYY-MM-DD) is recorded with the publication; None: the analysis date of the build, read
    from marts.rpt_data_coverage, else the AS_OF setting. Raises when anything fails, leaving the previous
    publication in place.
    """
    started = time.monotonic()
    if not settings.warehouse_path.is_file():
        raise FileNotFoundError(f"No working warehouse at {settings.warehouse_path}: nothing to publish")
    published_path = settings.published_path
    published_path.parent.mkdir(parents=True, exist_ok=True)
    settings.duckdb_temp_directory.mkdir(parents=True, exist_ok=True)
    with _publication_lock(published_path):
        removed = stale_partials(published_path)
        for stale in removed:
            _remove(stale)
        published_at = datetime.now(UTC)
        publication_id = f"{published_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        partial = partial_path(published_path)
        try:
            tables, analysis_date = _write_publication(
                settings, partial, publication_id, published_at, run_id, as_of_date
            )
            partial.chmod(READ_ONLY_MODE)
            size = partial.stat().st_size
            fsync_path(partial)
            os.replace(partial, published_path)
            fsync_path(published_path.parent)
        except BaseException:
            _remove(partial)
            _remove(partial.with_name(partial.name + ".wal"))
            raise
    return PublicationResult(
        publication_id=publication_id,
        path=published_path,
        published_at=published_at,
        as_of_date=analysis_date,
        run_id=run_id,
        tables=tuple(tables),
        bytes=size,
        seconds=time.monotonic() - started,
        removed_partials=tuple(removed),
    )


def read_publication(published_path: Path) -> tuple[dict, list[PublishedTable]] | None:
    """The publication record and its tables, read like a BI reader would (a new read-only connection);
    None when nothing has been published at that path yet."""
    if not published_path.is_file():
        return None
    with duckdb.connect(str(published_path), read_only=True) as connection:
        cursor = connection.execute(f"select * from {PUBLICATION_TABLE}")
        columns = [column[0] for column in cursor.description]
        record = dict(zip(columns, cursor.fetchone(), strict=True))
        tables = [
            PublishedTable(*row)
            for row in connection.execute(
                f"select schema_name, table_name, source_type, count_rows from {PUBLISHED_TABLES_TABLE} "
                "order by schema_name, table_name"
            ).fetchall()
        ]
    return record, tables


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def describe_publication(settings: Settings, run_id: str | None = None) -> list[str]:
    """Lines for the `make run` summary: where BI reads, which publication it is, its tables, size and date.

    With run_id (the refresh just made), says so when the published copy is not that run's: the run failed
    or was blocked, and BI readers still see the previous publication.
    """
    path = settings.published_path
    try:
        publication = read_publication(path)
    except duckdb.Error as error:
        return [f"{path}: cannot be read: {str(error).splitlines()[0]}"]
    if publication is None:
        return [f"{path}: nothing published yet (BI readers have no warehouse to read)"]
    record, tables = publication
    schemas = ", ".join(
        f"{sum(table.schema_name == schema for table in tables)} {schema}"
        for schema in PUBLISHED_SCHEMAS
        if any(table.schema_name == schema for table in tables)
    )
    working_size = settings.warehouse_path.stat().st_size if settings.warehouse_path.is_file() else 0
    as_of = record["as_of_date"].isoformat() if record["as_of_date"] else "unknown"
    published_at = record["published_at"].astimezone(UTC)
    lines = [
        f"{path}  ({_megabytes(path.stat().st_size)}; working warehouse {_megabytes(working_size)})",
        f"publication {record['publication_id']}  as of {as_of}  published {published_at:%Y-%m-%d %H:%M:%S} UTC "
        f"by run {record['run_id'][:8]}",
        f"{record['count_tables']} tables ({schemas or 'none'}), {record['count_rows']:,} rows",
    ]
    if run_id and record["run_id"] != run_id:
        lines.append(f"not published by this run ({run_id[:8]}): BI readers still see the publication above")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.publication",
        description="Publish the marts of WAREHOUSE_PATH to PUBLISHED_PATH now (after a refresh you trust), "
        "or describe the current publication.",
    )
    parser.add_argument("--describe", action="store_true", help="only print what is published")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    if not arguments.describe:
        result = publish_warehouse(settings, run_id="manual")
        print(f"published {len(result.tables)} tables in {result.seconds:.1f}s")
    print("\n".join(describe_publication(settings)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
