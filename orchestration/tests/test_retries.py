"""Retries on transient failures (orchestration/retries.py): which errors are transient - DuckDB's own lock
message, provoked for real - the backoff, and, in a real Dagster job, that a step failing on the lock is
retried until it succeeds, that a permanent failure is not retried, and that exhausted retries end with the
original error."""

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import OpExecutionContext, job, op

from orchestration.retries import (
    backoff_seconds,
    error_text,
    is_transient_failure,
    retry_transient_failures,
)

HOLD_WRITE_LOCK = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""


def lock_error_message(tmp_path: Path) -> str:
    """The message DuckDB gives when another process holds the warehouse file for writing."""
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.Error) as raised:
            duckdb.connect(str(path), read_only=True)
        return str(raised.value)
    finally:
        holder.kill()
        holder.wait()


def test_duckdb_lock_held_by_another_process_is_transient(tmp_path):
    message = lock_error_message(tmp_path)
    assert "lock" in message.lower()
    assert is_transient_failure(message)
    # As dagster-dbt reports it: dbt's error lines inside its own message.
    assert is_transient_failure(f"The dbt CLI process failed with exit code 2.\n\nErrors parsed from dbt logs:\n\n"
                                f"Runtime Error\n  {message}")


@pytest.mark.parametrize("message", [
    'IO Error: No space left on device (while writing "/warehouse/tmp/duckdb_temp_block-4.block")',
    "Out of Memory Error: could not allocate block of size 256.0 KiB (7.4 GiB/7.4 GiB used)",
    'Binder Error: Referenced column "person_idd" not found in FROM clause!',
    "Catalog Error: Table with name stg_events__events does not exist!",
    "Failure in test unique_dim_persons_person_id (models/marts/identity/dim_persons.yml)",
    "This model has an enforced contract that failed. Please ensure the name, data_type, and number of columns "
    "in your contract match the columns in your model's definition.",
    'IO Error: Cannot open file "/warehouse/profile.duckdb": Permission denied',
    "ZeroDivisionError: division by zero",  # unknown: never retried
    "",
])
def test_permanent_and_unknown_failures_are_not_transient(message):
    assert not is_transient_failure(message)


def test_a_permanent_failure_beside_a_lock_failure_is_not_retried(tmp_path):
    # A build that met the lock on one model and failed a test on another: the test failure stands.
    message = lock_error_message(tmp_path) + "\nFailure in test not_null_fct_orders_order_id"
    assert not is_transient_failure(message)


def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    assert [backoff_seconds(attempt) for attempt in range(6)] == [5, 10, 20, 40, 60, 60]
    assert [backoff_seconds(attempt, base_seconds=0.5, max_seconds=1.5) for attempt in range(3)] == [0.5, 1, 1.5]


def test_error_text_follows_the_chain_of_causes():
    try:
        try:
            raise OSError("Could not set lock on file")
        except OSError as error:
            raise RuntimeError("dbt step failed") from error
    except RuntimeError as error:
        text = error_text(error)
    assert text.splitlines() == ["RuntimeError: dbt step failed", "OSError: Could not set lock on file"]
    assert is_transient_failure(text)


LOCK_MESSAGE = 'IO Error: Could not set lock on file "/w/profile.duckdb": Conflicting lock is held in python (PID 7)'
attempts: list[float] = []


def make_job(failures: list[str], max_retries: int):
    """A one-op job whose op fails with failures[i] on attempt i (while there are any), then succeeds."""

    @op
    def flaky(context: OpExecutionContext) -> int:
        attempts.append(time.monotonic())
        with retry_transient_failures(context, max_retries=max_retries, base_seconds=0.2, max_seconds=0.3):
            if context.retry_number < len(failures):
                raise duckdb.IOException(failures[context.retry_number])
        return context.retry_number

    @job
    def flaky_job():
        flaky()

    return flaky_job


def test_a_step_failing_on_the_lock_is_retried_with_backoff_until_it_succeeds():
    attempts.clear()
    result = make_job([LOCK_MESSAGE, LOCK_MESSAGE], max_retries=3).execute_in_process(raise_on_error=False)
    assert result.success
    assert result.output_for_node("flaky") == 2  # succeeded on the third attempt
    assert len(attempts) == 3
    waits = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
    # 0.2 s, then 0.3 s (0.4 capped); Dagster's own step overhead only adds to them.
    assert waits[0] >= 0.2 and waits[1] >= 0.3


def test_a_permanent_failure_is_not_retried():
    attempts.clear()
    result = make_job(["Binder Error: column x not found"], max_retries=3).execute_in_process(raise_on_error=False)
    assert not result.success and len(attempts) == 1
    assert "Binder Error" in result.failure_data_for_node("flaky").error.to_string()


def test_exhausted_retries_fail_with_the_original_error():
    attempts.clear()
    result = make_job([LOCK_MESSAGE] * 5, max_retries=2).execute_in_process(raise_on_error=False)
    assert not result.success and len(attempts) == 3  # the first attempt and two retries
    error = result.failure_data_for_node("flaky").error.to_string()
    assert "Could not set lock" in error and "Exceeded max_retries" not in error
