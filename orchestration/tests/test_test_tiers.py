"""orchestration/test_tiers.py: two tiers run alongside each other, and the closing lines CI reads."""

from __future__ import annotations

import sys
import time

from orchestration.test_tiers import PYTEST, Tier, format_times, run_alongside


def python_tier(name: str, code: str) -> Tier:
    return Tier(name, [sys.executable, "-c", code])


def test_two_tiers_run_at_the_same_time_and_the_side_output_comes_after(capsys):
    # Each sleeps 1.5 s: one after the other would take 3 s.
    main = python_tier("main", "import time; time.sleep(1.5); print('main done')")
    side = python_tier("side", "import sys, time; time.sleep(1.5); print('side done'); sys.exit(3)")

    started = time.monotonic()
    run_alongside(main, side)
    elapsed = time.monotonic() - started

    output = capsys.readouterr().out
    assert elapsed < 2.8
    assert (main.exit_code, side.exit_code) == (0, 3)
    assert main.seconds >= 1.5 and side.seconds >= 1.5
    assert output.index("== main") < output.index("main done") < output.index("== side") < output.index("side done")


def test_the_closing_line_adds_every_pytest_tier():
    unit = Tier("unit", PYTEST, seconds=10.0, exit_code=0, counts={"passed": 3, "skipped": 1})
    slow = Tier("slow", PYTEST, seconds=20.0, exit_code=1, counts={"passed": 2, "failed": 1, "errors": 1})
    lint = Tier("python lint", ["ruff"], seconds=0.5, exit_code=0)

    lines = format_times([lint, unit, slow], 30.5).splitlines()

    assert lines[-1] == "5 passed, 2 failed, 1 skipped"
    assert any(line.split()[:2] == ["slow", "20.0"] and "FAILED (exit 1)" in line for line in lines)
    assert any("total" in line and "30.5 s" in line for line in lines)
