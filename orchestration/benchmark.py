"""The benchmark behind `make bench SCALE=1m|10m|100m`: how fast and how big each step of a refresh is.

1. Generates the demo data set at the chosen scale (cached in data/bench/<scale>/ between runs).
2. Measures the scan floor: the time DuckDB takes to read every raw event file once and count the events
   per day. Every step is also shown as a multiple of it.
3. Full refresh into a fresh warehouse: ingest, then the dbt models step by step (staging, identity,
   sessions, daily activity, behavior reports, value, tags, segments: models are assigned to steps by
   their folder, so new models land in the right step; the customer-value and clustering Python steps inside
   theirs), then the data checks (dbt data tests), then publish (the activation export files).
4. One-day incremental refresh: a second warehouse is built from every day but the last (set-up, also
   reported), then the last day's files are added and the refresh runs again; that run is the figure.

Each step runs in a child process, so its wall time and peak memory (max resident set size, from
wait4) are its own. Prints a table and writes the figures as JSON beside the data. Not a test: nothing
here asserts a time; docs/benchmarks.md records the figures and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.demo_data import generate
from orchestration.demo_data.generator import GENERATOR_VERSION
from orchestration.settings import PROJECT_DIR, RAW_SOURCES

# Persons per scale: the demo world averages about 122 events per person over 90 days.
SCALES = {"1m": 8_200, "10m": 82_000, "100m": 820_000}
DAYS = 90
END_DATE = "2026-10-31"
SEED = 42
SALT = "benchmark-salt"
CHECKS_STEP = "checks"
PUBLISH_STEP = "publish"

# Model steps in build order: (step, folder prefixes or model names). The most specific rule wins (a model
# name, else the longest folder); anything else lands in "other models" (built last, so dependencies on
# every earlier step are satisfied).
MODEL_STEPS = (
    ("staging", ("seeds/", "models/staging/", "models/marts/quality/")),
    ("identity", ("models/intermediate/identity/", "models/marts/identity/", "snapshots/")),
    ("sessions", ("int_persons_resessionized", "int_events_sessionized", "fct_sessions")),
    ("daily activity", ("fct_person_daily_activity",)),
    ("behavior reports", ("models/intermediate/behavior/", "models/marts/behavior/")),
    ("value", ("models/intermediate/value/", "models/marts/value/", "models/staging/clv/")),
    ("tags", ("models/intermediate/tags/", "models/marts/tags/", "models/staging/clustering/")),
    ("segments", ("models/intermediate/segments/", "models/marts/segments/")),
    ("other models", ("",)),
)
STEP_ORDER = ("ingest", *(name for name, _ in MODEL_STEPS), CHECKS_STEP, PUBLISH_STEP)
# Python steps inside a model step: the step's models that read the dbt source the Python step writes are
# built after it, the others before (orchestration/customer_value.py: the customer-value models;
# orchestration/person_clusters.py: k-means on int_person_features, read back through source clustering).
PYTHON_STEPS = {
    "value": ("source:clv+", ["-m", "orchestration.customer_value"]),
    "tags": ("source:clustering+", ["-m", "orchestration.person_clusters"]),
}
# The publication step after the checks: the activation files of the exportable segments.
PUBLISH_COMMAND = ["-m", "orchestration.activation_exports"]
LAYER_SCHEMAS = ("raw", "staging", "intermediate", "marts")


@dataclass
class StepFigure:
    step: str
    seconds: float | None = None
    peak_memory_mb: float | None = None
    note: str = ""


@dataclass
class RefreshFigures:
    steps: dict[str, StepFigure] = field(default_factory=dict)
    rows_per_layer: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(figure.seconds or 0.0 for figure in self.steps.values())

    @property
    def peak_memory_mb(self) -> float:
        return max((figure.peak_memory_mb or 0.0 for figure in self.steps.values()), default=0.0)


def run_measured(command: list[str], environment: dict[str, str], log_path: Path,
                 allow_failure: bool = False) -> tuple[float, float]:
    """Run a child process; returns (wall seconds, its peak resident memory in MB). Raises when it fails,
    unless allow_failure (failing data checks are reported, not fatal)."""
    started = time.perf_counter()
    with log_path.open("w") as log:
        child = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0 and not allow_failure:
        tail = log_path.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError(f"{' '.join(command[:4])} ... failed (exit {child.returncode}); see {log_path}:\n"
                           + "\n".join(tail))
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def bench_environment(warehouse: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(warehouse.parent / "tmp"),
        "EXPORT_DIR": str(warehouse.parent / "exports"),
        "PII_HASH_SALT": SALT,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
    }
    environment.pop("AS_OF", None)
    return environment


def ensure_data(data_dir: Path, persons: int, days: int) -> dict:
    """Generate the data set unless data_dir already holds one made with the same parameters."""
    summary_path = data_dir / "truth" / "summary.json"
    wanted = {"persons": persons, "days": days, "end_date": END_DATE, "seed": SEED,
              "generator_version": GENERATOR_VERSION}
    if summary_path.exists():
        summary = json.loads(summary_path.read_text())
        if {key: summary["parameters"].get(key) for key in wanted} == wanted:
            print(f"data set: cached in {data_dir} ({summary['events']:,} events)")
            return summary
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"data set: generating {persons:,} persons x {days} days into {data_dir} ...", flush=True)
    summary = generate(data_dir, persons=persons, days=days, end_date=END_DATE, seed=SEED)
    print(f"data set: {summary['events']:,} events in {summary['elapsed_seconds']:.0f}s")
    return summary


def scan_floor_seconds(raw_dir: Path) -> float:
    """Read every raw event file once (as the ingest reads it) and count events per day, in memory.

    The day is cut from the timestamp text: the injected broken lines must not stop the scan."""
    pattern = str(raw_dir / "events" / "**" / "*.jsonl*")
    connection = duckdb.connect(config={"threads": os.environ.get("DUCKDB_THREADS", "2")})
    started = time.perf_counter()
    connection.execute(f"""
        select regexp_extract(line, '"timestamp"\\s*:\\s*"([0-9-]{{10}})', 1) as event_day, count(*) as events
        from read_csv('{pattern}', columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(31),
            quote = '', escape = '', auto_detect = false, strict_mode = false, max_line_size = 16777216)
        group by event_day
    """).fetchall()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def assign_model_steps(environment: dict[str, str], work_dir: Path) -> dict[str, list[str]]:
    """Models, seeds and snapshots of the project per step, from `dbt ls`."""
    listing = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "ls", "--resource-type", "model", "seed", "snapshot",
         "--output", "json", "--output-keys", "name", "original_file_path", "--quiet",
         "--target-path", str(work_dir / "target")],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=True,
    )
    steps: dict[str, list[str]] = {name: [] for name, _ in MODEL_STEPS}
    for line in listing.stdout.splitlines():
        if not line.startswith("{"):
            continue
        node = json.loads(line)
        specificity = [
            (len(rule) if rule == "" or rule.endswith("/") else sys.maxsize, -position, step)
            for position, (step, rules) in enumerate(MODEL_STEPS) for rule in rules
            if node["name"] == rule or (rule == "" or rule.endswith("/"))
            and node["original_file_path"].startswith(rule)
        ]
        steps[max(specificity)[2]].append(node["name"])
    return steps


def list_models(selector: str, environment: dict[str, str], work_dir: Path) -> set[str]:
    """Names of the models a dbt selector picks (`dbt ls`)."""
    listing = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "ls", "--resource-type", "model", "--select", selector,
         "--output", "name", "--quiet", "--target-path", str(work_dir / "target")],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=True,
    )
    return {line.strip() for line in listing.stdout.splitlines() if line.strip()}


def refresh(raw_dir: Path, warehouse: Path, model_steps: dict[str, list[str]], log_dir: Path,
            after_python: dict[str, set[str]] | None = None) -> RefreshFigures:
    """Ingest + every model step + checks into `warehouse`, each step measured in its own processes.

    after_python: per step of PYTHON_STEPS, the models to build after its Python command (list_models of
    its selector); the step's time is the sum of its commands, its memory the largest."""
    environment = bench_environment(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    (warehouse.parent / "tmp").mkdir(exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    dbt = str(Path(sys.executable).parent / "dbt")
    common = ["--target-path", str(log_dir / "target"), "--log-path", str(log_dir), "--quiet"]
    figures = RefreshFigures()

    def measure(step: str, *commands: list[str], allow_failure: bool = False) -> None:
        print(f"  {step:<17}", end="", flush=True)
        seconds, memory, failures = 0.0, 0.0, []
        for number, command in enumerate(commands):
            log_path = log_dir / f"{step.replace(' ', '_')}{f'_{number + 1}' if len(commands) > 1 else ''}.log"
            command_seconds, command_memory = run_measured(command, environment, log_path, allow_failure)
            seconds, memory = seconds + command_seconds, max(memory, command_memory)
            failures += [line.strip() for line in log_path.read_text(errors="replace").splitlines()
                         if line.lstrip().startswith("Failure in")] if allow_failure else []
        figures.steps[step] = StepFigure(step, seconds, memory, f"{len(failures)} failed, see {log_dir}"
                                         if failures else "")
        print(f"{seconds:8.1f}s {memory:8.0f} MB", flush=True)

    def build(names: list[str]) -> list[str]:
        return [dbt, "build", "--select", *names, "--exclude-resource-type", "test", "unit_test", *common]

    measure("ingest", [sys.executable, "-m", "orchestration.benchmark", "ingest", str(raw_dir), str(warehouse)])
    for step, _ in MODEL_STEPS:
        names = model_steps.get(step) or []
        if not names:
            figures.steps[step] = StepFigure(step, note="no models yet")
            continue
        if step not in PYTHON_STEPS:
            measure(step, build(names))
            continue
        after = [name for name in names if name in (after_python or {}).get(step, set())]
        before = [name for name in names if name not in after]
        measure(step, *([build(before)] if before else []), [sys.executable, *PYTHON_STEPS[step][1]],
                *([build(after)] if after else []))
    measure(CHECKS_STEP, [dbt, "test", "--exclude", "test_type:unit", *common], allow_failure=True)
    if model_steps.get("segments"):
        measure(PUBLISH_STEP, [sys.executable, *PUBLISH_COMMAND])
    else:
        figures.steps[PUBLISH_STEP] = StepFigure(PUBLISH_STEP, note="no segments yet")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for schema in LAYER_SCHEMAS:
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
            figures.rows_per_layer[schema] = sum(
                connection.execute(f'select count(*) from {schema}."{name}"').fetchall()[0][0] for (name,) in tables
            )
    return figures


def link_raw_files(source_dir: Path, target_dir: Path, skip_day: str | None) -> None:
    """Mirror source_dir as symbolic links, leaving out files in `date=<skip_day>` folders."""
    for path in sorted(source_dir.rglob("*")):
        if not path.is_file() or (skip_day and f"date={skip_day}" in path.parts):
            continue
        link = target_dir / path.relative_to(source_dir)
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(path.resolve())


def format_table(full: RefreshFigures, incremental: RefreshFigures | None, floor: float) -> str:
    lines = [
        f"{'step':<17} {'full s':>8} {'x floor':>8} {'peak MB':>8}   {'1-day s':>8} {'x floor':>8} {'peak MB':>8}",
        "-" * 79,
    ]

    def cells(figure: StepFigure | None) -> str:
        if figure is None or figure.seconds is None:
            return f"{'-':>8} {'-':>8} {'-':>8}"
        return f"{figure.seconds:8.1f} {figure.seconds / floor:8.1f} {figure.peak_memory_mb:8.0f}"

    for step in STEP_ORDER:
        figure = full.steps.get(step)
        note = f"   ({figure.note})" if figure and figure.note else ""
        other = incremental.steps.get(step) if incremental else None
        lines.append(f"{step:<17} {cells(figure)}   {cells(other)}{note}")
    total_full = StepFigure("total", full.seconds, full.peak_memory_mb)
    total_incremental = StepFigure("total", incremental.seconds, incremental.peak_memory_mb) if incremental else None
    lines += ["-" * 79, f"{'total':<17} {cells(total_full)}   {cells(total_incremental)}"]
    return "\n".join(lines)


def ingest_main(raw_dir: str, warehouse: str) -> None:
    """The ingest step (child process): load every raw file into the warehouse, as the Dagster asset does."""
    from orchestration.raw_files import load_raw_directory

    config = {"threads": os.environ.get("DUCKDB_THREADS", "2"),
              "memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT", "8GB"),
              "temp_directory": os.environ["DUCKDB_TEMP_DIRECTORY"]}
    with duckdb.connect(warehouse, config=config) as connection:
        load_raw_directory(connection, Path(raw_dir), sources=RAW_SOURCES)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m orchestration.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="1m", help="about 1, 10 or 100 million events")
    parser.add_argument("--persons", type=int, help="override the persons of the scale (small smoke runs)")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "data" / "bench",
                        help="data sets and benchmark warehouses (default data/bench)")
    parser.add_argument("--skip-incremental", action="store_true", help="only the full refresh")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["ingest"]:
        ingest_main(*argv[1:3])
        return 0
    arguments = parse_arguments(argv)
    persons = arguments.persons or SCALES[arguments.scale]
    label = arguments.scale if not arguments.persons else f"{persons}p{arguments.days}d"
    base = arguments.work_dir.resolve() / label
    summary = ensure_data(base / "data", persons, arguments.days)
    events = summary["events"]
    raw_dir = base / "data" / "raw"

    floor = scan_floor_seconds(raw_dir)
    print(f"scan floor: {floor:.1f}s to read {events:,} raw events and count them per day")
    model_steps = assign_model_steps(bench_environment(base / "full" / "profile.duckdb"), base)
    after_python = {step: list_models(selector, bench_environment(base / "full" / "profile.duckdb"), base)
                    for step, (selector, _) in PYTHON_STEPS.items()}

    print("full refresh:")
    shutil.rmtree(base / "full", ignore_errors=True)
    full = refresh(raw_dir, base / "full" / "profile.duckdb", model_steps, base / "logs" / "full", after_python)

    incremental = setup = None
    if not arguments.skip_incremental:
        last_day = summary["parameters"]["end_date"]
        incremental_raw = base / "raw_incremental"
        shutil.rmtree(incremental_raw, ignore_errors=True)
        shutil.rmtree(base / "incremental", ignore_errors=True)
        link_raw_files(raw_dir, incremental_raw, skip_day=last_day)
        print(f"incremental set-up (every day before {last_day}):")
        setup = refresh(incremental_raw, base / "incremental" / "profile.duckdb", model_steps,
                        base / "logs" / "incremental_setup", after_python)
        link_raw_files(raw_dir, incremental_raw, skip_day=None)
        print(f"one-day incremental refresh (adds {last_day}):")
        incremental = refresh(incremental_raw, base / "incremental" / "profile.duckdb", model_steps,
                              base / "logs" / "incremental", after_python)

    print()
    print(f"Benchmark {label}: {events:,} events, {persons:,} persons x {arguments.days} days; "
          f"{os.cpu_count()} cores, DuckDB threads {os.environ.get('DUCKDB_THREADS', '2')}, "
          f"memory limit {os.environ.get('DUCKDB_MEMORY_LIMIT', '8GB')}")
    print(format_table(full, incremental, floor))
    print(f"scan floor {floor:.1f}s; full refresh {full.seconds:.0f}s = {full.seconds / floor:.1f}x floor; "
          f"{events / full.seconds:,.0f} events/s end to end (data generation excluded); "
          f"peak memory {full.peak_memory_mb / 1024:.1f} GiB")
    if incremental:
        print(f"one-day incremental refresh {incremental.seconds:.0f}s = "
              f"{100 * incremental.seconds / full.seconds:.0f}% of the full refresh")
    print("rows per layer: " + ", ".join(f"{schema} {rows:,}" for schema, rows in full.rows_per_layer.items()))

    results = {
        "scale": label, "events": events, "persons": persons, "days": arguments.days,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__},
        "scan_floor_seconds": floor,
        "full": {"steps": [asdict(figure) for figure in full.steps.values()], "rows_per_layer": full.rows_per_layer},
        "incremental_setup": {"steps": [asdict(figure) for figure in setup.steps.values()]} if setup else None,
        "incremental": {"steps": [asdict(figure) for figure in incremental.steps.values()]} if incremental else None,
    }
    results_path = base / f"results-{time.strftime('%Y%m%dT%H%M%S')}.json"
    results_path.write_text(json.dumps(results, indent=2))
    print(f"figures written to {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
