"""`make run`: refresh the warehouse through Dagster and print what happened.

    python -m orchestration.run [--raw-dir DIR] [--as-of YYYY-MM-DD] [--full-refresh]

Runs one daily partition of the `refresh_warehouse` job in this process (raw ingest, `dbt build`, the
Python steps, quality checks, publication), the same assets, checks and pool as a run launched from
`dagster dev` or by its schedule, then prints a summary read from the run and from the warehouse. The
partition is the analysis day: --as-of, else the newest day in the raw folder (see resolve_partition_day).
Exits 1 when the run failed or a check of error severity failed.

The Dagster instance is ephemeral: `make run` is a one-shot command whose lasting record is the warehouse
itself (raw._loaded_files, the quality marts) and the summary; an ephemeral instance cannot leave a
claimed pool slot or a half-written run history behind after an interrupted run, and it needs no daemon.
Run history, schedules and pool limits across runs belong to `make dev`. A second process writing the
warehouse at the same time is refused by DuckDB's file lock, and the summary says so.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
import warnings
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

from orchestration.as_of_date import validate_as_of_date
from orchestration.settings import PROJECT_DIR, Settings, export_dbt_environment, load_settings
from orchestration.timeline import TIMELINE_ENV, write_timeline

# Run tags of a run over a range of partitions (a single-run backfill).
ASSET_PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
ASSET_PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
# Dagster's and dbt's full output (REFRESH_LOG_PATH moves it, e.g. for concurrent benchmark runs).
LOG_PATH = Path(os.environ.get("REFRESH_LOG_PATH") or PROJECT_DIR / "logs" / "refresh_warehouse.log")
# Folders dagster-dbt creates under target/ for each dbt command: '<op>-<run id>-<id>' or '<id>'.
DBT_INVOCATION_FOLDER = re.compile(r"([a-z0-9_]+-)?[0-9a-f]{7}-[0-9a-f]{7}|[0-9a-f]{7}")
INVOCATION_FOLDER_MAX_AGE = 24 * 3600  # seconds


def as_of_argument(text: str) -> str:
    """argparse type for --as-of: a valid YYYY-MM-DD day."""
    try:
        return validate_as_of_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.run",
        description="Refresh the warehouse through Dagster (raw ingest, dbt build, checks) and summarize.",
    )
    parser.add_argument(
        "--raw-dir",
        type=Path,
        metavar="DIR",
        help="raw folder, one subfolder per source (default: RAW_DIR, else the demo data set)",
    )
    parser.add_argument(
        "--as-of",
        type=as_of_argument,
        metavar="YYYY-MM-DD",
        help="analysis day = the partition refreshed (default: AS_OF, else the newest day in the raw folder)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (the tag and segment histories are kept)",
    )
    return parser.parse_args(argv)


def prepare_settings(arguments: argparse.Namespace) -> Settings:
    """Settings from the environment with the command line's overrides, exported for dbt."""
    if arguments.raw_dir:
        os.environ["RAW_DIR"] = str(arguments.raw_dir.resolve())
    if arguments.as_of:
        os.environ["AS_OF"] = arguments.as_of
    settings = load_settings()
    validate_as_of_date(settings.as_of_date)  # AS_OF from the environment gets the same check
    export_dbt_environment(settings)
    return settings


def ensure_demo_data(settings: Settings) -> None:
    """Generate the demo data set on first use, when the raw folder is the default one and absent."""
    if settings.raw_dir != settings.demo_dir / "raw" or settings.raw_dir.is_dir():
        return
    from orchestration.demo_data import generate

    print(f"No raw data yet: generating the demo data set into {settings.demo_dir} (first run)", flush=True)
    started = time.monotonic()
    generate(settings.demo_dir, report=lambda line: print(f"  {line}", flush=True))
    print(f"  demo data set written in {time.monotonic() - started:.0f}s", flush=True)


def prune_dbt_invocation_folders(target_dir: Path, max_age_seconds: float = INVOCATION_FOLDER_MAX_AGE) -> None:
    """Remove the per-command folders dagster-dbt left under target/ that are older than max_age_seconds.

    Each dbt command gets its own target folder (manifest, compiled SQL, debug log: ~15 MB); those of a
    failed `make run` stay a day for debugging, and a concurrent run's are younger than the limit.
    """
    if not target_dir.is_dir():
        return
    cutoff = time.time() - max_age_seconds
    for folder in target_dir.iterdir():
        if folder.is_dir() and DBT_INVOCATION_FOLDER.fullmatch(folder.name) and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def resolve_partition_day(settings: Settings) -> str:
    """The partition `make run` refreshes: AS_OF, else the newest `date=` folder of the events and orders, else
    the newest reporting day in their timestamps (read after loading them), else yesterday. Without AS_OF the
    partition only labels the run: the analysis date is the latest day in the clean data (AS_OF_FROM_DATA_TAG)."""
    from orchestration.partitions import latest_raw_day, reporting_day, validate_partition_day

    day = settings.as_of_date or latest_raw_day(settings.raw_dir) or latest_loaded_day(settings)
    return validate_partition_day(day or (reporting_day() - timedelta(days=1)).isoformat())


def latest_loaded_day(settings: Settings) -> str | None:
    """Load the raw folder (the job's ingest then finds nothing new) and read the newest reporting day of an
    event or order timestamp that is not later than its load time."""
    import duckdb

    from orchestration.partitions import reporting_time_zone
    from orchestration.raw_files import load_raw_directory, read_options

    if not settings.raw_dir.is_dir():
        return None
    with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config) as connection:
        load_raw_directory(connection, settings.raw_dir, sources=["events", "orders"], options=read_options(settings))
        connection.execute(f"set TimeZone = '{os.environ.get('SOURCE_TIME_ZONE') or 'Asia/Shanghai'}'")
        latest = connection.execute(f"""
            select max(cast(timezone('{reporting_time_zone()}', moment) as date))
            from (
                select try_cast(json_extract_string(payload, '$.timestamp') as timestamptz) as moment, _loaded_at
                from raw.events
                union all
                select try_cast(json_extract_string(payload, '$.ordered_at') as timestamptz), _loaded_at
                from raw.orders
            ) as moments
            where moment <= cast(_loaded_at as timestamp) at time zone 'UTC'
        """).fetchone()[0]
    return latest.isoformat() if latest else None


def refresh(settings: Settings, first_day: str, last_day: str | None = None, full_refresh: bool = False,
            as_of_from_data: bool = False):
    """Execute the refresh_warehouse job in this process for the partition first_day (or the range
    first_day..last_day in one run); Dagster's and dbt's own log lines go to LOG_PATH."""
    from dagster import BetaWarning, DagsterInstance, PreviewWarning, RunConfig

    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)
    LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
    print(f"  {time.strftime('%H:%M:%S')}  loading the Dagster definitions (dbt parse if needed)", flush=True)
    with LOG_PATH.open("w") as log, redirect_stdout(log), redirect_stderr(log):
        # Imported after export_dbt_environment: the manifest is parsed with the environment dbt will
        # build in, so dbt's partial parsing stays valid.
        from orchestration.assets.dbt import DbtBuildConfig
        from orchestration.assets.raw import RawIngestConfig
        from orchestration.definitions import defs
        from orchestration.partitions import AS_OF_FROM_DATA_TAG

        run_config = RunConfig(
            ops={
                "raw_sources": RawIngestConfig(raw_dir=str(settings.raw_dir)),
                "dbt_models": DbtBuildConfig(full_refresh=full_refresh),
            },
            # The terminal gets the steps' progress lines and one line per warning or error; Dagster's
            # full event stream goes to the log file with dbt's output.
            loggers={"console": {"config": {"log_level": "INFO"}}, "terminal_progress": {}},
        )
        tags = {AS_OF_FROM_DATA_TAG: "true"} if as_of_from_data else {}
        partition = (
            {"partition_key": first_day, "tags": tags}
            if not last_day or last_day == first_day
            else {"tags": {**tags, ASSET_PARTITION_RANGE_START_TAG: first_day, ASSET_PARTITION_RANGE_END_TAG: last_day}}
        )
        with DagsterInstance.ephemeral() as instance:
            job = defs.resolve_job_def("refresh_warehouse")
            result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False,
                                            **partition)
            if os.environ.get(TIMELINE_ENV):
                # For the benchmark: the run's steps and dbt nodes as intervals, before the dbt command
                # folders are cleaned up (orchestration/timeline.py).
                write_timeline(Path(os.environ[TIMELINE_ENV]), instance, result.run_id, result.success,
                               PROJECT_DIR / "target")
            return result


def refresh_and_summarize(
    settings: Settings, first_day: str, last_day: str | None = None, full_refresh: bool = False,
    as_of_from_data: bool = False,
) -> int:
    """One partition run (or one run over a range of days) and its printed summary; the exit code."""
    started = time.monotonic()
    span = first_day if not last_day or last_day == first_day else f"{first_day}..{last_day}"
    as_of = "the latest day in the data" if as_of_from_data else f"partition {span}"
    print(f"Refreshing {settings.warehouse_path} from {settings.raw_dir} (as of {as_of})", flush=True)
    try:
        result = refresh(settings, first_day, last_day, full_refresh, as_of_from_data)
    except Exception as error:  # the definitions did not load: most often a dbt parse error
        print(f"error: the refresh could not start: {error}\nfull log: {LOG_PATH}", file=sys.stderr)
        return 1
    from orchestration.assets.dbt import remove_invocation_folders
    from orchestration.expectations import describe_expectations
    from orchestration.publication import describe_publication
    from orchestration.summary import (
        collect_summary,
        describe_behavior,
        describe_identity,
        describe_segments,
        describe_tags,
        describe_value,
        format_summary,
    )

    summary = collect_summary(result, settings.warehouse_path, time.monotonic() - started, LOG_PATH)
    if settings.warehouse_path.exists():
        # The demo generator writes its ground truth beside the raw folder: raw/ and truth/.
        summary.identity_lines = describe_identity(
            settings.warehouse_path, settings.raw_dir.parent / "truth", os.environ["PII_HASH_SALT"]
        )
        summary.behavior_lines = describe_behavior(settings.warehouse_path)
        summary.value_lines = describe_value(settings.warehouse_path)
        summary.tag_lines = describe_tags(settings.warehouse_path)
        summary.segment_lines = describe_segments(settings.warehouse_path)
        summary.expectation_lines = describe_expectations(settings.warehouse_path, result.run_id)
    summary.publication_lines = describe_publication(settings, result.run_id)
    print(format_summary(summary))
    if summary.exit_code == 0:
        remove_invocation_folders(result.run_id)
    prune_dbt_invocation_folders(PROJECT_DIR / "target")
    return summary.exit_code


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        settings = prepare_settings(arguments)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    ensure_demo_data(settings)
    try:
        day = resolve_partition_day(settings)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return refresh_and_summarize(settings, day, full_refresh=arguments.full_refresh,
                                 as_of_from_data=not settings.as_of_date)


if __name__ == "__main__":
    sys.exit(main())
