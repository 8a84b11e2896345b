"""Daily partitions: one partition per reporting day, and what a partition run hands to dbt.

A partition run for day D refreshes the warehouse "as of D" (every as-of mart counts activity up to and
including D) and re-sessionizes, besides every person whose events changed (the incremental models find
those themselves, however late the events arrived), the persons active in the REFRESH_LOOKBACK_DAYS days
before D. A run over a range of days (a backfill, one run per BackfillPolicy.single_run) is as of its last
day and re-processes the whole range plus the lookback.

The partitions start on PARTITIONS_START_DATE (the first day your data can hold) and end today, both in
REPORTING_TIME_ZONE: the day boundaries are those of every `*_date` column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition

DEFAULT_PARTITIONS_START_DATE = "2024-01-01"
DATE_FOLDER = re.compile(r"date=(\d{4}-\d{2}-\d{2})")
# The sources whose newest day is the default analysis day: the ones the dbt macro as_of_date reads.
ACTIVITY_SOURCES = ("events", "orders")


def reporting_time_zone() -> str:
    return os.environ.get("REPORTING_TIME_ZONE") or "Asia/Shanghai"


def partitions_start_date() -> str:
    return os.environ.get("PARTITIONS_START_DATE") or DEFAULT_PARTITIONS_START_DATE


# end_offset=1: today's partition exists too, so a run can refresh the day in progress (the sensor does when
# today's files land); the schedule refreshes yesterday, the last complete day.
daily_partitions = DailyPartitionsDefinition(
    start_date=partitions_start_date(), timezone=reporting_time_zone(), end_offset=1, fmt="%Y-%m-%d"
)
# A backfill of a date range is one run: the warehouse has one writer, and the incremental models process a
# range of days as cheaply as one.
backfill_policy = BackfillPolicy.single_run()


@dataclass(frozen=True)
class RefreshWindow:
    """The days a partition run covers: as of `last_day`, re-processing from `first_day` minus the lookback."""

    first_day: date
    last_day: date
    lookback_days: int

    @property
    def as_of_date(self) -> str:
        return self.last_day.isoformat()

    @property
    def refresh_from_date(self) -> str:
        return (self.first_day - timedelta(days=self.lookback_days)).isoformat()

    def dbt_vars(self) -> dict[str, Any]:
        return {"as_of_date": self.as_of_date, "refresh_from_date": self.refresh_from_date}


def refresh_window(first_key: str, last_key: str, lookback_days: int) -> RefreshWindow:
    """The window of the partition keys first_key..last_key (the same key for a single-day run)."""
    first_day, last_day = date.fromisoformat(first_key), date.fromisoformat(last_key)
    if last_day < first_day:
        raise ValueError(f"partition range {first_key}..{last_key} ends before it starts")
    if lookback_days < 0:
        raise ValueError(f"the lookback must be 0 days or more, got {lookback_days}")
    return RefreshWindow(first_day=first_day, last_day=last_day, lookback_days=lookback_days)


def context_refresh_window(context: AssetExecutionContext, lookback_days: int) -> RefreshWindow:
    """The refresh window of a run: its partition key range."""
    key_range = context.partition_key_range
    return refresh_window(key_range.start, key_range.end, lookback_days)


def run_tags_dbt_vars(tags: Mapping[str, str], lookback_days: int) -> tuple[str, dict[str, Any]]:
    """(analysis date, dbt vars) of a run from its tags, as its dbt builds get them: for a step that has no
    partition of its own (source freshness, a check). dbt parses the project again whenever the vars differ
    from its saved state's (10-20 s), so every dbt command of a run passes the same ones."""
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not first or not last or tags.get(AS_OF_FROM_DATA_TAG) == "true":
        return "", {}
    window = refresh_window(first, last, lookback_days)
    return window.as_of_date, window.dbt_vars()


# Run tag of `make run` without AS_OF: the partition only labels the run, and the analysis date is the latest
# reporting day of any clean event or order, as the dbt macro as_of_date computes it (a delivery folder's day
# can be later than the activity it holds).
AS_OF_FROM_DATA_TAG = "user_profile/as_of_from_data"


def run_analysis_date(context: AssetExecutionContext, window: RefreshWindow) -> str:
    """The analysis date a step of the run uses: the window's last day, or '' (the latest day in the data)."""
    return "" if context.run.tags.get(AS_OF_FROM_DATA_TAG) == "true" else window.as_of_date


def run_dbt_vars(context: AssetExecutionContext, window: RefreshWindow) -> dict[str, Any]:
    """The dbt vars of the run's window; none when the analysis date comes from the data (dbt then takes the
    latest day, and re-processes the lookback before it)."""
    return window.dbt_vars() if run_analysis_date(context, window) else {}


def reporting_day(moment: datetime | None = None) -> date:
    """The reporting day of `moment` (default: now)."""
    return (moment or datetime.now(tz=ZoneInfo("UTC"))).astimezone(ZoneInfo(reporting_time_zone())).date()


def latest_raw_day(raw_dir: Path, sources: tuple[str, ...] = ACTIVITY_SOURCES) -> str | None:
    """The newest `date=YYYY-MM-DD` folder holding a file of the activity sources; None when they are not
    split by day."""
    days = [
        match.group(1)
        for source in sources
        if (raw_dir / source).is_dir()
        for path in (raw_dir / source).rglob("*")
        if path.is_file() and not path.name.startswith(".")
        for match in [DATE_FOLDER.search(path.relative_to(raw_dir).as_posix())]
        if match
    ]
    return max(days) if days else None


def validate_partition_day(day: str) -> str:
    """day if it is one of the partitions, else a ValueError that says which days are."""
    start = daily_partitions.start.date()
    if date.fromisoformat(day) < start:
        raise ValueError(
            f"{day} is before the first partition {start.isoformat()}: set PARTITIONS_START_DATE to an earlier day"
        )
    today = reporting_day()
    if date.fromisoformat(day) > today:
        raise ValueError(f"{day} is after today ({today.isoformat()} in {reporting_time_zone()})")
    return day
