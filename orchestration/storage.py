"""Small helpers the steps that write files or build SQL text share."""

import os
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
