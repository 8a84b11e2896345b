"""Backfill a range of days from the command line (`make backfill FROM=... TO=...`).

    python -m orchestration.backfill --from YYYY-MM-DD --to YYYY-MM-DD [--per-day] [--raw-dir DIR]

Default: one run over the whole range, as the Dagster UI launches a backfill (BackfillPolicy.single_run):
as of the last day, re-processing every day of the range plus the lookback. --per-day: one partition run
per day in date order, as the daily schedule would have run them, so the tag and segment histories get one
refresh date per day. Stops at the first failed day (a later day would build on it) and exits 1.

Days must not be earlier than the analysis date the warehouse's histories already record; to rebuild the
past from scratch, backfill into a fresh WAREHOUSE_PATH.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from orchestration.partitions import validate_partition_day
from orchestration.run import as_of_argument, ensure_demo_data, refresh_and_summarize
from orchestration.settings import export_dbt_environment, load_settings


def days_between(first: str, last: str) -> list[str]:
    """Every day from first to last, both included."""
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    if last_day < first_day:
        raise ValueError(f"--to {last} is before --from {first}")
    return [(first_day + timedelta(days=offset)).isoformat() for offset in range((last_day - first_day).days + 1)]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m orchestration.backfill", description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="first", type=as_of_argument, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=as_of_argument, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--per-day", action="store_true", help="one partition run per day, in date order")
    parser.add_argument("--raw-dir", help="raw folder (default: RAW_DIR, else the demo data set)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.raw_dir:
        import os
        from pathlib import Path

        os.environ["RAW_DIR"] = str(Path(arguments.raw_dir).resolve())
    try:
        days = [validate_partition_day(day) for day in days_between(arguments.first, arguments.last)]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = load_settings()
    export_dbt_environment(settings)
    ensure_demo_data(settings)
    if not arguments.per_day:
        return refresh_and_summarize(settings, days[0], days[-1])
    for day in days:
        exit_code = refresh_and_summarize(settings, day)
        if exit_code != 0:
            print(f"backfill stopped at {day}: later days would build on a failed refresh", file=sys.stderr)
            return exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
