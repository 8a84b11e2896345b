"""Where the time of one refresh went: its Dagster steps and its dbt nodes as intervals.

`python -m orchestration.run` writes this timeline as JSON when REFRESH_TIMELINE_PATH is set (the
benchmark, `make bench`, sets it): the benchmark measures the very run `make run` executes and splits
its wall time into the steps of the table in docs/benchmarks.md.

    {"run_id": ..., "success": true,
     "steps": [{"step_key": "raw_sources", "start": <epoch s>, "end": <epoch s>, "status": "STEP_SUCCESS"}, ...],
     "dbt_nodes": [{"unique_id": ..., "name": ..., "resource_type": "model", "path": "models/...sql",
                    "start": <epoch s>, "end": <epoch s>, "status": "success", "step_key": "dbt_models"}, ...]}

Step intervals come from the run's event log (STEP_START to STEP_SUCCESS / STEP_FAILURE); dbt node
intervals from the run_results.json and manifest.json of each dbt command of the run (the folders
target/<op>-<run id>-<id> that dagster-dbt creates), read before they are cleaned up.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

TIMELINE_ENV = "REFRESH_TIMELINE_PATH"
STEP_END_EVENTS = ("STEP_SUCCESS", "STEP_FAILURE")


def _epoch(iso_timestamp: str) -> float:
    """dbt's timing stamps ('2026-11-26T05:40:01.123456Z', UTC) as epoch seconds."""
    return datetime.fromisoformat(iso_timestamp.replace("Z", "+00:00")).timestamp()


def step_intervals(instance: Any, run_id: str) -> list[dict]:
    """The run's steps with start, end and final status, from the instance's event log, in start order."""
    steps: dict[str, dict] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        kind = event.event_type_value
        if kind == "STEP_START":
            steps.setdefault(entry.step_key, {"step_key": entry.step_key})["start"] = entry.timestamp
        elif kind in STEP_END_EVENTS:
            step = steps.setdefault(entry.step_key, {"step_key": entry.step_key, "start": entry.timestamp})
            step.update(end=entry.timestamp, status=kind)
    return sorted((step for step in steps.values() if "end" in step), key=lambda step: step["start"])


def dbt_node_intervals(target_dir: Path, run_id: str) -> list[dict]:
    """Every node a dbt command of the run executed (models, seeds, snapshots, tests) with its interval.
    A command that reused the parsed project (orchestration/dbt_runner.py) wrote no manifest.json of its
    own: the project's (target/manifest.json, the one Dagster's assets are built from) names its nodes."""
    nodes = []
    for folder in sorted(target_dir.glob(f"*-{run_id[:7]}-*")):
        results_path, manifest_path = folder / "run_results.json", folder / "manifest.json"
        if not manifest_path.exists():
            manifest_path = target_dir / "manifest.json"
        if not results_path.exists() or not manifest_path.exists():
            continue
        manifest = json.loads(manifest_path.read_text())
        known = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
        for result in json.loads(results_path.read_text())["results"]:
            stamps = [(timing["started_at"], timing["completed_at"]) for timing in result.get("timing", [])
                      if timing.get("started_at") and timing.get("completed_at")]
            if not stamps:
                continue
            node = known.get(result["unique_id"], {})
            nodes.append({
                "unique_id": result["unique_id"],
                "name": node.get("name", result["unique_id"].split(".")[-1]),
                "resource_type": node.get("resource_type", result["unique_id"].split(".")[0]),
                "path": node.get("original_file_path", ""),
                "start": min(_epoch(started) for started, _ in stamps),
                "end": max(_epoch(completed) for _, completed in stamps),
                "status": result.get("status"),
                "step_key": folder.name.rsplit("-", 2)[0],
            })
    return sorted(nodes, key=lambda node: node["start"])


def write_timeline(path: Path, instance: Any, run_id: str, success: bool, target_dir: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "run_id": run_id,
        "success": success,
        "steps": step_intervals(instance, run_id),
        "dbt_nodes": dbt_node_intervals(target_dir, run_id),
    }, indent=1))
