"""Progress lines for long steps: Dagster logs everywhere, plain lines on the terminal of `make run`.

Assets report progress with `report_progress(context, message)`. The message is an ordinary Dagster
info log (the UI shows it in the run's log), tagged so that the `terminal_progress` logger can pick it
out. `make run` sends Dagster's event stream and dbt's own output to a log file and turns this logger
on, so the terminal shows one line per ingested source and per built dbt model, plus the first line of
every Dagster warning or error.
"""

import logging
import sys
import time

from dagster import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    InitLoggerContext,
    OpExecutionContext,
    logger,
)

PROGRESS_ATTRIBUTE = "is_progress_line"


def report_progress(
    context: AssetExecutionContext | AssetCheckExecutionContext | OpExecutionContext, message: str
) -> None:
    """Log one progress line of the running step."""
    context.log.info(message, extra={PROGRESS_ATTRIBUTE: True})


class _TerminalLineHandler(logging.Handler):
    """Prints progress records, and the first line of warnings and errors; drops every other record."""

    def emit(self, record: logging.LogRecord) -> None:
        metadata = getattr(record, "dagster_meta", None) or {}
        message = metadata.get("orig_message") or record.getMessage()
        if getattr(record, PROGRESS_ATTRIBUTE, False):
            line = message
        elif record.levelno >= logging.WARNING:
            lines = message.strip().splitlines() or [""]
            where = metadata.get("step_key") or metadata.get("job_name") or "dagster"
            line = f"{record.levelname}  {where}: {lines[0]}"
        else:
            return
        # sys.__stdout__: `make run` redirects sys.stdout (where dbt's own log lines go) to a log file.
        terminal = sys.__stdout__ or sys.stdout
        terminal.write(f"  {time.strftime('%H:%M:%S')}  {line}\n")
        terminal.flush()


@logger(
    description="Prints the progress lines of the refresh (ingest per source, dbt models i/n) and the first "
    "line of each warning or error to the terminal."
)
def terminal_progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    progress_logger = logging.Logger(f"progress.{init_context.run_id}", level=logging.INFO)
    progress_logger.addHandler(_TerminalLineHandler())
    return progress_logger
