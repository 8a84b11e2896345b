"""The daily schedule: every morning, refresh yesterday (the last complete reporting day).

Late events of earlier days need no run of their own: the incremental models find every changed person,
however old the change (see orchestration/partitions.py). Set REFRESH_SCHEDULE_CRON to move the run; the
cron is read in the reporting time zone.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from orchestration.jobs import refresh_warehouse
from orchestration.partitions import reporting_day, reporting_time_zone

DEFAULT_REFRESH_CRON = "0 2 * * *"


def scheduled_partition_key(scheduled_time: datetime) -> str:
    """The partition a tick refreshes: the reporting day before the tick's day."""
    return (reporting_day(scheduled_time) - timedelta(days=1)).isoformat()


@schedule(
    name="daily_refresh",
    job=refresh_warehouse,
    cron_schedule=os.environ.get("REFRESH_SCHEDULE_CRON") or DEFAULT_REFRESH_CRON,
    execution_timezone=reporting_time_zone(),
    description="Refresh yesterday's partition every day (02:00 in the reporting time zone by default).",
)
def daily_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    partition_key = scheduled_partition_key(context.scheduled_execution_time)
    return RunRequest(run_key=f"daily_refresh:{partition_key}", partition_key=partition_key)
