"""The test tiers behind `make test` and `make test-fast`, with their wall times.

    python -m orchestration.test_tiers full    # make test: every tier
    python -m orchestration.test_tiers fast    # make test-fast: what to run after editing a model (< 3 min)

Tiers (pytest markers in pyproject.toml pick the tests of each):
    python lint   ruff on every Python file (pyproject.toml [tool.ruff])
    sql lint      sqlfluff with the dbt templater on an in-memory target; `fast` lints only the SQL files
                  changed against HEAD (and new ones), `full` every model and test
    unit          pytest -m "not slow and not spark and not browser": pure-Python tests and every dbt unit
                  test on an empty build (test_dbt_unit_tests.py); no refresh
    slow+browser  pytest -m "slow or browser": the end-to-end refreshes (golden, demo, incremental, publication
                  ...) and the dashboard in headless Chromium, in one run (the dashboard reads the demo refresh)
    spark         pytest -m spark: the same project on Spark, compared with DuckDB

The tiers run one after the other, but sql lint runs alongside unit (each leaves a core idle much of the
time; sql lint's output is printed after unit's). Every tier runs even when an earlier one failed, so one
run reports them all; the exit code is non-zero when any failed. The table of wall times is printed last,
so a regression shows the day it lands.
"""

from __future__ import annotations

import argparse
import codecs
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import PROJECT_DIR

VENV_BIN = Path(sys.executable).parent
PYTEST = [sys.executable, "-m", "pytest", "-q"]
# Two workers on the two cores; a file runs on one worker, files in the order conftest.module_order gives.
PARALLEL = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
# pytest's closing line: "3 failed, 420 passed, 10 skipped in 61.2s" (any order, any subset).
PYTEST_COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


@dataclass
class Tier:
    name: str
    command: list[str]
    environment: dict[str, str] | None = None
    seconds: float = 0.0
    exit_code: int | None = None
    note: str = ""
    counts: dict[str, int] | None = None  # pytest tiers: passed, failed, errors, skipped


def changed_sql_files() -> list[str]:
    """SQL files under models/ and tests/ changed against HEAD or not yet tracked (not deleted ones)."""
    changed = subprocess.run(
        ["git", "diff", "--name-only", "--diff-filter=d", "HEAD", "--", "models", "tests"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    ).stdout.split()
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--", "models", "tests"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    ).stdout.split()
    return sorted({path for path in changed + untracked if path.endswith(".sql")})


def sqlfluff(paths: list[str]) -> list[str]:
    return [str(VENV_BIN / "sqlfluff"), "lint", *paths, "--processes", "2"]


def tiers_for(kind: str) -> list[Tier]:
    lint_environment = {"PII_HASH_SALT": "lint"}
    tiers = [Tier("python lint", [str(VENV_BIN / "ruff"), "check", "."])]
    if kind == "fast":
        changed = changed_sql_files()
        if changed:
            tiers.append(Tier("sql lint", sqlfluff(changed), lint_environment, note=f"{len(changed)} changed files"))
        else:
            tiers.append(Tier("sql lint", [], note="no changed SQL file"))
    else:
        tiers.append(Tier("sql lint", sqlfluff(["models", "tests"]), lint_environment, note="every model and test"))
    tiers.append(Tier("unit", [*PYTEST, *PARALLEL, "-m", "not slow and not spark and not browser"]))
    if kind == "full":
        tiers += [
            # One pytest run for both: the browser tests read the demo refresh the slow tests build.
            Tier("slow+browser", [*PYTEST, *PARALLEL, "-m", "(slow or browser) and not spark"],
                 note="time per marker in pytest's last lines"),
            Tier("spark", [*PYTEST, "-m", "spark"]),
        ]
    return tiers


def run_tier(tier: Tier, write=None) -> None:
    """Run the tier's command, passing its output to write (default: this process's stdout, as it comes)."""
    if write is None:
        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()
    write(f"\n== {tier.name}{f' ({tier.note})' if tier.note else ''}: {' '.join(tier.command) or 'nothing to do'}\n")
    started = time.monotonic()
    tier.exit_code = 0
    if tier.command:
        process = subprocess.Popen(
            tier.command, cwd=PROJECT_DIR, env={**os.environ, **(tier.environment or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        last_counts = None
        pending = ""
        # Passed on as it comes (pytest's progress dots have no newline until the line is full).
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while data := os.read(process.stdout.fileno(), 4096):
            chunk = decoder.decode(data)
            write(chunk)
            *lines, pending = (pending + chunk).split("\n")
            for line in lines:
                if tier.command[:3] == PYTEST[:3] and " in " in line and PYTEST_COUNTS.search(line):
                    last_counts = line
        tier.exit_code = process.wait()
        if last_counts is not None:
            tier.counts = {}
            for number, word in PYTEST_COUNTS.findall(last_counts):
                key = "errors" if word.startswith("error") else word
                tier.counts[key] = tier.counts.get(key, 0) + int(number)
    tier.seconds = time.monotonic() - started


def run_alongside(main_tier: Tier, side_tier: Tier) -> None:
    """Run two tiers at the same time: main_tier's output as it comes, side_tier's when both have ended.
    For tiers that leave a core idle much of the time (sqlfluff's dbt templater compiles the project on one
    core, the dbt unit tests run as one dbt command on one worker)."""
    side_output: list[str] = []
    side = threading.Thread(target=run_tier, args=(side_tier, side_output.append))
    side.start()
    run_tier(main_tier)
    side.join()
    sys.stdout.write("".join(side_output))
    sys.stdout.flush()


def format_times(tiers: list[Tier], total_seconds: float) -> str:
    lines = ["", "Test tiers (wall time)"]
    for tier in tiers:
        verdict = "passed" if tier.exit_code == 0 else f"FAILED (exit {tier.exit_code})"
        lines.append(f"  {tier.name:<13} {tier.seconds:8.1f} s  {verdict}{f'  - {tier.note}' if tier.note else ''}")
    lines.append(f"  {'total':<13} {total_seconds:8.1f} s  ({total_seconds / 60:.1f} min)")
    counted = [tier.counts for tier in tiers if tier.counts is not None]
    totals = {key: sum(counts.get(key, 0) for counts in counted) for key in ("passed", "failed", "errors", "skipped")}
    # The plain closing line CI reads: every pytest tier's tests together.
    lines += ["", f"{totals['passed']} passed, {totals['failed'] + totals['errors']} failed, "
                  f"{totals['skipped']} skipped"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["full", "fast"])
    arguments = parser.parse_args(argv)
    tiers = tiers_for(arguments.kind)
    started = time.monotonic()
    sql_lint, unit = (next(tier for tier in tiers if tier.name == name) for name in ("sql lint", "unit"))
    for tier in tiers:
        if tier is unit:
            run_alongside(unit, sql_lint)
        elif tier is not sql_lint:
            run_tier(tier)
    print(format_times(tiers, time.monotonic() - started), flush=True)
    return 0 if all(tier.exit_code == 0 for tier in tiers) else 1


if __name__ == "__main__":
    sys.exit(main())
