"""Read-only access to the published warehouse (PUBLISHED_PATH), the only database the dashboard opens.

Each query opens its own read-only connection and closes it: a refresh swaps a new publication in by renaming
a file over the published path (orchestration/publication.py), and a connection opened after the swap reads
the new file, whereas a connection held open would keep the old one. Results are cached per publication
(its publication_id is part of the cache key), so a new publication is never hidden by the cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration import publication
from orchestration.settings import load_settings


class NoPublicationError(RuntimeError):
    """The published warehouse does not exist yet (no refresh has passed its checks)."""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    published_at: datetime
    as_of_date: date | None
    count_tables: int
    count_rows: int


def published_path() -> Path:
    """PUBLISHED_PATH as the refresh resolves it (README, variables)."""
    return load_settings().published_path


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse; a clear error when there is none."""
    path = path or published_path()
    if not path.exists():
        raise NoPublicationError(
            f"No published warehouse at {path}. Run `make run` first (it publishes the marts after its checks)."
        )
    threads = os.environ.get("DUCKDB_THREADS") or "2"
    return duckdb.connect(str(path), read_only=True, config={"threads": threads})


def query(sql: str, parameters: list | tuple | None = None, path: Path | None = None) -> pd.DataFrame:
    """Run sql on the published warehouse and return a DataFrame."""
    with connect(path) as connection:
        return connection.execute(sql, list(parameters or [])).df()


def read_publication(path: Path | None = None) -> Publication:
    """The publication being read: its record in _publication.publication, as the refresh wrote it
    (orchestration.publication.read_publication)."""
    path = path or published_path()
    found = publication.read_publication(path)
    if found is None:
        raise NoPublicationError(
            f"No published warehouse at {path}. Run `make run` first (it publishes the marts after its checks)."
        )
    record, _ = found
    return Publication(
        publication_id=str(record["publication_id"]),
        published_at=record["published_at"],
        as_of_date=record["as_of_date"],
        count_tables=int(record["count_tables"]),
        count_rows=int(record["count_rows"]),
    )
