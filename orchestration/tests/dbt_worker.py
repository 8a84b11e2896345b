"""One long-lived dbt process per test process: the tests that run dbt many times (incremental scenarios,
scratch warehouses) send it their commands instead of starting `dbt-reuse` for each.

A `dbt-reuse` command spends 6-8 s before its first node on small data (Python start-up, importing dbt,
loading the reused manifest); this process pays the imports once. Each command runs as `dbt-reuse` would
(orchestration/dbt_runner.invoke: the manifest reused, renamed for the warehouse file) with the environment
and working folder the test gives, and afterwards dbt's connections are closed and its adapter dropped, so
the warehouse file is released before the test reads or copies it (test_dbt_worker.py checks that).

    from orchestration.tests.dbt_worker import run_dbt
    completed = run_dbt(["build", "--select", "x"], cwd=PROJECT_DIR, env=environment)

Protocol (this module run as a program): one JSON request per line on stdin ({"arguments", "environment",
"cwd"}), one JSON reply per line on the original stdout ({"returncode", "output"}); dbt's own output goes to a
file per command and comes back as "output".
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path


class DbtWorker:
    """The client side: a child process running serve(), started on first use, restarted if it died."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "orchestration.tests.dbt_worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            )
        return self.process

    def run(self, arguments: Sequence[str], cwd: Path | str, env: dict[str, str],
            timeout: float = 900) -> subprocess.CompletedProcess:
        """dbt `arguments` in the worker; the result as subprocess.run would give it (stdout: dbt's output)."""
        command = ["dbt-reuse", *arguments]
        with self.lock:
            process = self._start()
            request = {"arguments": list(arguments), "environment": dict(env), "cwd": str(cwd)}
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            reply: list[str] = []
            reader = threading.Thread(target=lambda: reply.append(process.stdout.readline()), daemon=True)
            reader.start()
            reader.join(timeout)
            if reader.is_alive():
                self.close()
                raise subprocess.TimeoutExpired(command, timeout)
            if not reply or not reply[0]:
                code = process.wait()
                self.process = None
                return subprocess.CompletedProcess(command, code or -1, "", f"the dbt worker died (exit {code})")
            answer = json.loads(reply[0])
            return subprocess.CompletedProcess(command, answer["returncode"], answer["output"], "")

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


_worker = DbtWorker()
atexit.register(_worker.close)


def run_dbt(arguments: Sequence[str], cwd: Path | str, env: dict[str, str],
            timeout: float = 900) -> subprocess.CompletedProcess:
    """Run one dbt command (without the `dbt` word) in this test process's dbt worker."""
    return _worker.run(arguments, cwd, env, timeout)


def release_warehouse() -> None:
    """Close every connection dbt holds and drop its adapter, so that the DuckDB file is closed."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import cleanup_connections, reset_adapters

    cleanup_connections()
    reset_adapters()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def serve() -> None:
    from orchestration.dbt_runner import exit_code, invoke

    replies = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        request = json.loads(line)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["environment"])
        with tempfile.TemporaryFile() as output:
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            os.dup2(output.fileno(), 1)
            os.dup2(output.fileno(), 2)
            try:
                result = invoke(request["arguments"])
                code = exit_code(result)
                if result.exception is not None:
                    print(f"dbt raised: {result.exception!r}")
            except Exception as error:  # noqa: BLE001 - reported to the test as dbt's failure
                code = 2
                print(f"dbt raised: {error!r}")
            finally:
                release_warehouse()
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            output.seek(0)
            text = output.read().decode("utf-8", errors="replace")
        replies.write(json.dumps({"returncode": code, "output": text}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
