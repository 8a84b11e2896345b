"""The benchmark behind `make bench SCALE=1m|10m|100m`: how fast and how big each step of a refresh is.

1. Generates the demo data set at the chosen scale (cached in data/bench/<scale>/ between runs).
2. Measures the scan floor: the time DuckDB takes to read every raw event file once and count the events
   per day. Every step is also shown as a multiple of it.
3. Full refresh into a fresh warehouse: the very run `make run` executes (`python -m orchestration.run`, the
   Dagster job in one process), with REFRESH_TIMELINE_PATH set so the run writes its steps and dbt nodes as
   intervals (orchestration/timeline.py). Its wall time is split into the table's steps: ingest, then the dbt
   models by folder (staging, identity, sessions, daily activity, behavior reports, value, tags, segments;
   the customer-value and clustering Python steps inside theirs), checks (dbt tests, Great Expectations,
   source freshness), publish (activation exports and the publication of the marts), dbt start-up (parsing
   and connecting, per dbt command) and orchestration (loading the definitions, Dagster between steps).
   While two dbt nodes run at once, each step gets half of that time: the steps add up to the wall time.
4. One-day incremental refresh: a second warehouse is built from every day but the last (set-up, also
   reported), then the last day's files are added and the refresh runs again; that run is the figure.

Peak memory: the resident set size of the refresh process and its children (dbt), sampled every 0.2 s;
a step's peak is the largest sample taken while it ran. Prints a table and writes the figures as JSON beside
the data. Not a test: nothing here asserts a time; docs/benchmarks.md records the figures and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.demo_data import generate
from orchestration.demo_data.generator import GENERATOR_VERSION
from orchestration.settings import PROJECT_DIR
from orchestration.timeline import TIMELINE_ENV

# Persons per scale: the demo world averages about 122 events per person over 90 days.
SCALES = {"1m": 8_200, "10m": 82_000, "100m": 820_000}
EVENTS_PER_PERSON_DAY = 122 / 90
DAYS = 90
END_DATE = "2026-10-31"
SEED = 42
SALT = "benchmark-salt"
SAMPLE_SECONDS = 0.2
# Disk per million events, measured at 10M: raw files (gzip JSON lines and CSV) and a built warehouse.
RAW_BYTES_PER_MILLION = 0.12 * 2**30
WAREHOUSE_BYTES_PER_MILLION = 1.3 * 2**30

# dbt nodes per step, by the file that defines them: a model name, else the longest folder prefix that
# matches; anything else lands in "other models". Tests of every kind are checks.
MODEL_STEPS = (
    ("staging", ("seeds/", "models/staging/", "models/marts/quality/")),
    ("identity", ("models/intermediate/identity/", "models/marts/identity/")),
    ("sessions", ("int_persons_resessionized", "int_events_sessionized", "fct_sessions")),
    ("daily activity", ("fct_person_daily_activity",)),
    ("behavior reports", ("models/intermediate/behavior/", "models/marts/behavior/")),
    ("value", ("models/intermediate/value/", "models/marts/value/", "models/staging/clv/")),
    ("tags", ("models/intermediate/tags/", "models/marts/tags/", "models/staging/clustering/")),
    ("segments", ("models/intermediate/segments/", "models/marts/segments/")),
    ("other models", ("",)),
)
# Dagster steps outside dbt and the table step each belongs to. Step keys are op names, or asset keys joined
# by "__"; an op split over several parts of the graph gets "_2", "_3", ... (dbt_models_2, expectations_2).
DAGSTER_STEPS = {
    "raw_sources": "ingest",
    "customer_value_models": "value",
    "person_clusters": "tags",
    "expectations": "checks",
    "source_freshness": "checks",
    "exports__segment_files": "publish",
    "published__warehouse": "publish",
}
DBT_STARTUP = "dbt start-up"
ORCHESTRATION = "orchestration"
STEP_ORDER = ("ingest", *(name for name, _ in MODEL_STEPS), "checks", "publish", DBT_STARTUP, ORCHESTRATION)
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
    wall_seconds: float = 0.0
    success: bool = True
    slowest_nodes: list[tuple[str, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.wall_seconds or sum(figure.seconds or 0.0 for figure in self.steps.values())

    @property
    def peak_memory_mb(self) -> float:
        return max((figure.peak_memory_mb or 0.0 for figure in self.steps.values()), default=0.0)


def model_step(name: str, path: str) -> str:
    """The table step of a dbt model, seed or snapshot (MODEL_STEPS: a name beats the longest folder)."""
    candidates = [
        (sys.maxsize if rule == name else len(rule), -position, step)
        for position, (step, rules) in enumerate(MODEL_STEPS) for rule in rules
        if rule == name or ((rule == "" or rule.endswith("/")) and path.startswith(rule))
    ]
    return max(candidates)[2]


def node_step(node: dict) -> str:
    return "checks" if node["resource_type"] in ("test", "unit_test") else model_step(node["name"], node["path"])


def split_time(intervals: list[tuple[float, float, str]], start: float, end: float,
               idle_label: str) -> dict[str, float]:
    """Seconds per label in [start, end]: while k intervals overlap, each gets 1/k of the time; time
    covered by none goes to idle_label. The values add up to end - start."""
    moments = sorted({start, end, *(max(start, min(end, moment)) for a, b, _ in intervals for moment in (a, b))})
    seconds: dict[str, float] = {}
    for left, right in zip(moments, moments[1:]):
        active = [label for a, b, label in intervals if a <= left and b >= right and b > a]
        for label in active or [idle_label]:
            seconds[label] = seconds.get(label, 0.0) + (right - left) / (len(active) or 1)
    return seconds


def attribute(timeline: dict, run_start: float, run_end: float,
              samples: list[tuple[float, float]]) -> dict[str, StepFigure]:
    """Split a refresh's wall time and memory samples into the table's steps (see the module docstring)."""
    seconds: dict[str, float] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for step in timeline["steps"]:
        key, start, end = step["step_key"], step["start"], step["end"]
        nodes = [node for node in timeline["dbt_nodes"] if node["step_key"] == key]
        if key.startswith("dbt_models") or nodes:
            intervals = [(node["start"], node["end"], node_step(node)) for node in nodes]
            shares = split_time(intervals, start, end, DBT_STARTUP)
            for start_, end_, label in intervals:
                spans.setdefault(label, []).append((start_, end_))
            spans.setdefault(DBT_STARTUP, []).append((start, end))
        else:
            label = DAGSTER_STEPS.get(re.sub(r"_\d+$", "", key), ORCHESTRATION)
            shares = {label: end - start}
            spans.setdefault(label, []).append((start, end))
        for label, value in shares.items():
            seconds[label] = seconds.get(label, 0.0) + value
    seconds[ORCHESTRATION] = seconds.get(ORCHESTRATION, 0.0) + max(0.0, (run_end - run_start) - sum(seconds.values()))
    spans.setdefault(ORCHESTRATION, []).append((run_start, run_end))
    figures = {}
    for label, value in seconds.items():
        peak = max((rss for moment, rss in samples
                    if any(a - SAMPLE_SECONDS <= moment <= b + SAMPLE_SECONDS for a, b in spans.get(label, []))),
                   default=None)
        figures[label] = StepFigure(label, value, peak)
    return figures


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        pending += parents.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def enough_disk(base: Path, events: int) -> bool:
    """Whether the disk holding base has room for the data set and one warehouse; prints why not."""
    existing = base
    while not existing.exists():
        existing = existing.parent
    cached = (base / "data" / "truth" / "summary.json").exists()
    needed = events / 1e6 * (WAREHOUSE_BYTES_PER_MILLION + (0 if cached else RAW_BYTES_PER_MILLION))
    free = shutil.disk_usage(existing).free
    if free >= needed:
        return True
    print(f"error: about {needed / 2**30:,.0f} GiB of disk needed under {base} for ~{events / 1e6:,.0f}M events "
          f"(data set and one warehouse), {free / 2**30:,.0f} GiB free. Point --work-dir at a larger disk, or "
          "--force to try anyway.", file=sys.stderr)
    return False


def bench_environment(warehouse: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(warehouse.parent / "tmp"),
        "EXPORT_DIR": str(warehouse.parent / "exports"),
        "PUBLISHED_PATH": str(warehouse.parent / "published" / warehouse.name),
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


def refresh(raw_dir: Path, warehouse: Path, log_dir: Path) -> RefreshFigures:
    """One `make run` refresh of raw_dir into warehouse, in a child process, measured and split into steps."""
    environment = bench_environment(warehouse)
    log_dir.mkdir(parents=True, exist_ok=True)
    timeline_path = log_dir / "timeline.json"
    timeline_path.unlink(missing_ok=True)
    environment.update({TIMELINE_ENV: str(timeline_path), "REFRESH_LOG_PATH": str(log_dir / "refresh_warehouse.log")})
    samples: list[tuple[float, float]] = []
    started = time.time()
    with (log_dir / "run.log").open("w") as log:
        child = subprocess.Popen([sys.executable, "-m", "orchestration.run", "--raw-dir", str(raw_dir)],
                                 cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append((time.time(), tree_rss_mb(child.pid)))
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        child.wait()
        done.set()
        sampler.join()
    ended = time.time()
    if not timeline_path.exists():
        tail = (log_dir / "run.log").read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError(f"the refresh did not run (exit {child.returncode}); see {log_dir}:\n" + "\n".join(tail))
    timeline = json.loads(timeline_path.read_text())
    figures = RefreshFigures(attribute(timeline, started, ended, samples), wall_seconds=ended - started,
                             success=child.returncode == 0)
    node_seconds: dict[str, float] = {}
    for node in timeline["dbt_nodes"]:
        if node["resource_type"] not in ("test", "unit_test"):
            node_seconds[node["name"]] = node_seconds.get(node["name"], 0.0) + node["end"] - node["start"]
    figures.slowest_nodes = sorted(node_seconds.items(), key=lambda item: -item[1])[:8]
    print(f"  {'succeeded' if figures.success else f'FAILED (exit {child.returncode:d})'} in "
          f"{figures.wall_seconds:.0f}s; summary in {log_dir / 'run.log'}", flush=True)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for schema in LAYER_SCHEMAS:
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
                [schema],
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
        memory = f"{figure.peak_memory_mb:8.0f}" if figure.peak_memory_mb is not None else f"{'-':>8}"
        return f"{figure.seconds:8.1f} {figure.seconds / floor:8.1f} {memory}"

    for step in STEP_ORDER:
        figure = full.steps.get(step)
        note = f"   ({figure.note})" if figure and figure.note else ""
        other = incremental.steps.get(step) if incremental else None
        lines.append(f"{step:<17} {cells(figure)}   {cells(other)}{note}")
    total_full = StepFigure("total", full.seconds, full.peak_memory_mb)
    total_incremental = StepFigure("total", incremental.seconds, incremental.peak_memory_mb) if incremental else None
    lines += ["-" * 79, f"{'total':<17} {cells(total_full)}   {cells(total_incremental)}"]
    return "\n".join(lines)


def time_ingest(raw_dir: Path, folder: Path, runs: int) -> int:
    """The ingest step alone (orchestration/raw_files.py), `runs` times, each into a new warehouse file."""
    from orchestration.raw_files import load_raw_directory

    seconds = []
    for run in range(runs):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with duckdb.connect(str(folder / "ingest.duckdb"), config={"threads": 2, "memory_limit": "8GB"}) as connection:
            started = time.monotonic()
            loads = load_raw_directory(connection, raw_dir)
            seconds.append(time.monotonic() - started)
        print(f"ingest run {run + 1}: {seconds[-1]:.2f}s, {sum(load.rows_loaded for load in loads):,} rows from "
              f"{sum(load.files_loaded for load in loads)} files", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    ordered = sorted(seconds)
    print(f"ingest: median {ordered[len(ordered) // 2]:.2f}s, min {ordered[0]:.2f}s, max {ordered[-1]:.2f}s "
          f"over {runs} runs")
    return 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m orchestration.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="1m", help="about 1, 10 or 100 million events")
    parser.add_argument("--persons", type=int, help="override the persons of the scale (small smoke runs)")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "data" / "bench",
                        help="data sets and benchmark warehouses (default data/bench)")
    parser.add_argument("--skip-incremental", action="store_true", help="only the full refresh")
    parser.add_argument("--force", action="store_true", help="run even when the disk looks too small")
    parser.add_argument("--ingest-only", type=int, metavar="RUNS",
                        help="only time the ingest step (load_raw_directory into a new warehouse), RUNS times")
    parser.add_argument("--keep-warehouses", action="store_true",
                        help="keep the benchmark warehouses (deleted by default: about 1.2 GB per million events)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    persons = arguments.persons or SCALES[arguments.scale]
    label = arguments.scale if not arguments.persons else f"{persons}p{arguments.days}d"
    base = arguments.work_dir.resolve() / label
    if not arguments.force and not enough_disk(base, persons * arguments.days * EVENTS_PER_PERSON_DAY):
        return 2
    summary = ensure_data(base / "data", persons, arguments.days)
    events = summary["events"]
    raw_dir = base / "data" / "raw"

    floor = scan_floor_seconds(raw_dir)
    print(f"scan floor: {floor:.1f}s to read {events:,} raw events and count them per day")
    if arguments.ingest_only:
        return time_ingest(raw_dir, base / "ingest", arguments.ingest_only)

    print("full refresh:", flush=True)
    shutil.rmtree(base / "full", ignore_errors=True)
    full = refresh(raw_dir, base / "full" / "profile.duckdb", base / "logs" / "full")
    if not arguments.keep_warehouses:
        shutil.rmtree(base / "full", ignore_errors=True)  # one warehouse on disk at a time

    incremental = setup = None
    if not arguments.skip_incremental:
        last_day = summary["parameters"]["end_date"]
        incremental_raw = base / "raw_incremental"
        shutil.rmtree(incremental_raw, ignore_errors=True)
        shutil.rmtree(base / "incremental", ignore_errors=True)
        link_raw_files(raw_dir, incremental_raw, skip_day=last_day)
        print(f"incremental set-up (every day before {last_day}):", flush=True)
        setup = refresh(incremental_raw, base / "incremental" / "profile.duckdb", base / "logs" / "incremental_setup")
        link_raw_files(raw_dir, incremental_raw, skip_day=None)
        print(f"one-day incremental refresh (adds {last_day}):", flush=True)
        incremental = refresh(incremental_raw, base / "incremental" / "profile.duckdb", base / "logs" / "incremental")
        if not arguments.keep_warehouses:
            shutil.rmtree(base / "incremental", ignore_errors=True)

    print()
    print(f"Benchmark {label}: {events:,} events, {persons:,} persons x {arguments.days} days; "
          f"{os.cpu_count()} cores, DuckDB threads {os.environ.get('DUCKDB_THREADS', '2')}, "
          f"memory limit {os.environ.get('DUCKDB_MEMORY_LIMIT', '8GB')}")
    print(format_table(full, incremental, floor))
    print(f"scan floor {floor:.1f}s; full refresh {full.seconds:.0f}s = {full.seconds / floor:.1f}x floor; "
          f"{events / full.seconds:,.0f} events/s end to end (data generation excluded); "
          f"peak memory {full.peak_memory_mb / 1024:.1f} GiB" + ("" if full.success else "; the run FAILED"))
    if incremental:
        print(f"one-day incremental refresh {incremental.seconds:.0f}s = "
              f"{100 * incremental.seconds / full.seconds:.0f}% of the full refresh"
              + ("" if incremental.success else "; the run FAILED"))
    print("rows per layer: " + ", ".join(f"{schema} {rows:,}" for schema, rows in full.rows_per_layer.items()))
    print("slowest dbt nodes (full): " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in full.slowest_nodes))
    if incremental:
        print("slowest dbt nodes (1-day): "
              + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in incremental.slowest_nodes))

    def figures_json(figures: RefreshFigures | None) -> dict | None:
        return None if figures is None else {
            "wall_seconds": figures.wall_seconds, "success": figures.success,
            "steps": [asdict(figure) for figure in figures.steps.values()],
            "rows_per_layer": figures.rows_per_layer, "slowest_nodes": figures.slowest_nodes,
        }

    results = {
        "scale": label, "events": events, "persons": persons, "days": arguments.days,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__},
        "scan_floor_seconds": floor,
        "full": figures_json(full), "incremental_setup": figures_json(setup), "incremental": figures_json(incremental),
    }
    results_path = base / f"results-{time.strftime('%Y%m%dT%H%M%S')}.json"
    results_path.write_text(json.dumps(results, indent=2))
    print(f"figures written to {results_path}")
    return 0 if full.success and (incremental is None or incremental.success) else 1


if __name__ == "__main__":
    sys.exit(main())
