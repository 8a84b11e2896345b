"""Retries with exponential backoff for failures that go away by themselves, and only for those.

A step of the refresh fails for one of two kinds of reason:

- transient: the condition is outside the data and clears on its own within seconds to minutes. The one
  that happens here is DuckDB's single-writer file lock: another process (a `dagster dev` run, a notebook,
  a BI tool holding a read-write connection, the dbt process of a run that is still shutting down) has the
  warehouse open, and DuckDB answers `IO Error: Could not set lock on file "...": Conflicting lock is held
  in ... (PID ...)`. Also "Resource temporarily unavailable" (EAGAIN) and "Interrupted system call" (EINTR)
  from the operating system.
- permanent: the same inputs fail the same way on every attempt, and a retry only delays the alarm.
  Wrong SQL (parser, binder, catalog errors), a dbt test or contract failure (a verdict on the data, which a
  retry must never overrule), a constraint or conversion error, and exhausted resources: "No space left on
  device" and "Disk quota exceeded" need someone to free space (a retry would fill the disk again with
  spill files), "Out of Memory" recurs on the same data with the same memory limit, "Permission denied" and
  "Read-only file system" need a change of configuration.

A message that matches a permanent pattern is permanent even when it also matches a transient one (a
build that could not take the lock on one model and failed a test on another is not retried: the test
failure stands). Anything that matches neither list is permanent: retrying unknown errors would hide bugs.

dbt reports a lock it could not take as "Encountered an error:\nIO Error: Could not set lock on file ...",
which dagster-dbt copies into the message of its DagsterDbtCliRuntimeError: the same rule applies to it.

Assets call `retry_transient_failures(context)` around their work; a transient failure becomes
`dagster.RetryRequested`, and Dagster runs the whole step again after `backoff_seconds` (5, 10, 20, 40 s).
Every step of the refresh is idempotent (the raw ingest skips loaded files, dbt rebuilds its models, the
Python steps replace their tables, exports and publication swap whole files), so a re-run is safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import AssetCheckExecutionContext, AssetExecutionContext, OpExecutionContext, RetryRequested

# Retries after the first attempt, and the backoff: BASE * 2**attempt seconds, at most MAX.
MAX_RETRIES = 4
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 60.0

# Lower-case fragments of error messages (DuckDB, dbt, the operating system).
TRANSIENT_PATTERNS = (
    "could not set lock on file",  # DuckDB: another process holds the warehouse file
    "conflicting lock is held",  # the same message's second half
    "resource temporarily unavailable",  # EAGAIN (a lock or a resource busy for a moment)
    "interrupted system call",  # EINTR
)
PERMANENT_PATTERNS = (
    "no space left on device",
    "disk quota exceeded",
    "out of memory",
    "permission denied",
    "read-only file system",
    "parser error",
    "binder error",
    "catalog error",
    "constraint error",
    "conversion error",
    "compilation error",
    "failure in test",  # dbt: a data test failed (a verdict on the data)
    "failure in unit_test",  # dbt: a unit test failed (a rule is wrong)
    "contract error",  # dbt: a model does not match its enforced contract
    "enforced contract",
)

StepContext = AssetExecutionContext | AssetCheckExecutionContext | OpExecutionContext


def is_transient_failure(error_text: str) -> bool:
    """True when the error message says the failure will likely clear by itself (see the module docstring)."""
    text = error_text.lower()
    if any(pattern in text for pattern in PERMANENT_PATTERNS):
        return False
    return any(pattern in text for pattern in TRANSIENT_PATTERNS)


def error_text(error: BaseException) -> str:
    """The messages of an exception and of every exception it was raised from or during, one per line.

    A DuckDB error often arrives wrapped (dagster-dbt's DagsterDbtCliRuntimeError carries dbt's error
    lines in its message; a `raise ... from error` keeps the original as the cause).
    """
    messages: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        messages.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(messages)


def backoff_seconds(
    attempt: int, base_seconds: float = BACKOFF_BASE_SECONDS, max_seconds: float = BACKOFF_MAX_SECONDS
) -> float:
    """Seconds to wait before retry number attempt + 1 (attempt 0: the first run failed): doubling, capped.

    No jitter: one run holds the warehouse at a time, so there is no crowd of clients to spread out.
    """
    return min(max_seconds, base_seconds * 2 ** max(attempt, 0))


def request_retry_if_transient(
    context: StepContext,
    error: BaseException,
    max_retries: int = MAX_RETRIES,
    base_seconds: float = BACKOFF_BASE_SECONDS,
    max_seconds: float = BACKOFF_MAX_SECONDS,
) -> None:
    """Raise RetryRequested (from error) when error is transient and the step has retries left; else return,
    and the caller re-raises the original error, so the failure that finally stops the run is the real one
    rather than Dagster's "Exceeded max_retries"."""
    attempt = context.retry_number
    if attempt >= max_retries or not is_transient_failure(error_text(error)):
        return
    wait = backoff_seconds(attempt, base_seconds, max_seconds)
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    context.log.warning(
        f"transient failure (attempt {attempt + 1} of {max_retries + 1}), retrying in {wait:.0f}s: {first_line}"
    )
    raise RetryRequested(max_retries=max_retries, seconds_to_wait=wait) from error


@contextmanager
def retry_transient_failures(
    context: StepContext,
    max_retries: int = MAX_RETRIES,
    base_seconds: float = BACKOFF_BASE_SECONDS,
    max_seconds: float = BACKOFF_MAX_SECONDS,
) -> Iterator[None]:
    """Run the body; turn a transient failure into a Dagster retry with backoff, let any other one through.

        with retry_transient_failures(context):
            ...work on the warehouse...
    """
    try:
        yield
    except RetryRequested:
        raise
    except Exception as error:
        request_retry_if_transient(context, error, max_retries, base_seconds, max_seconds)
        raise
