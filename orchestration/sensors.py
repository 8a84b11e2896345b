"""The raw-files sensor: start a refresh when a new day's raw files land (or earlier days' files change).

It fingerprints the raw folder (every file's path, size and modification time). When the fingerprint
changed and nothing was written for SETTLE_SECONDS (a delivery still being copied is not loaded half-way),
it requests a run of the newest `date=` day present, the day the warehouse is then as of; late files of
earlier days ride along, as the incremental models find every changed person. One run per fingerprint:
the run key is the fingerprint, so a tick that sees the same files requests nothing.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.jobs import refresh_warehouse
from orchestration.partitions import latest_raw_day, reporting_day
from orchestration.settings import RAW_SOURCES, load_settings

SETTLE_SECONDS = 120


@dataclass(frozen=True)
class RawFolderState:
    fingerprint: str
    newest_day: str | None
    newest_modified_at: float
    files: int


def raw_folder_state(raw_dir: Path) -> RawFolderState:
    """Fingerprint of the raw files of every source folder (hidden files and partial uploads excluded)."""
    digest = hashlib.sha256()
    newest_modified_at, files = 0.0, 0
    for source in RAW_SOURCES:
        folder = raw_dir / source
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or any(part.startswith(".") for part in path.relative_to(raw_dir).parts):
                continue
            stat = path.stat()
            digest.update(f"{path.relative_to(raw_dir).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
            newest_modified_at = max(newest_modified_at, stat.st_mtime)
            files += 1
    return RawFolderState(digest.hexdigest()[:16], latest_raw_day(raw_dir), newest_modified_at, files)


def run_request_for(state: RawFolderState, cursor: str | None, now: float) -> RunRequest | SkipReason:
    """What a tick does with the raw folder's state and the fingerprint of the last requested run."""
    if state.files == 0:
        return SkipReason("the raw folder holds no file")
    if state.fingerprint == cursor:
        return SkipReason("no raw file changed since the last run request")
    if now - state.newest_modified_at < SETTLE_SECONDS:
        return SkipReason(f"raw files changed less than {SETTLE_SECONDS} s ago: waiting for the delivery to settle")
    today = reporting_day().isoformat()
    partition_key = min(state.newest_day or today, today)
    return RunRequest(run_key=f"raw_files:{state.fingerprint}", partition_key=partition_key,
                      tags={"raw_fingerprint": state.fingerprint})


@sensor(
    name="raw_files_sensor",
    job=refresh_warehouse,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts a refresh of the newest day when raw files are added or changed in RAW_DIR.",
)
def raw_files_sensor(context: SensorEvaluationContext):
    state = raw_folder_state(load_settings().raw_dir)
    decision = run_request_for(state, context.cursor, time.time())
    if isinstance(decision, RunRequest):
        context.update_cursor(state.fingerprint)
    return decision
