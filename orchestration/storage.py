"""Small helpers the steps that write files or build SQL text share."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def sql_literal(text: str) -> str:
    """text as a SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's data and metadata to disk, so a rename that follows is durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def exclusive_file_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on lock_path (created if absent) for the body. The operating system releases it
    when its holder dies, however it dies, so a killed writer never blocks the next one."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
