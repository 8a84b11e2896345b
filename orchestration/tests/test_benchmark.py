"""The benchmark script's plumbing (make bench): step assignment, time splitting, the incremental raw mirror,
the table."""

import json

from orchestration.benchmark import (
    DBT_STARTUP,
    ORCHESTRATION,
    RefreshFigures,
    StepFigure,
    attribute,
    format_table,
    link_raw_files,
    model_step,
    node_step,
    split_time,
)
from orchestration.timeline import dbt_node_intervals


def test_a_model_name_rule_beats_the_longest_folder_which_beats_a_shorter_one():
    assert model_step("stg_events__events", "models/staging/events/stg_events__events.sql") == "staging"
    assert model_step("event_dictionary", "seeds/event_dictionary.csv") == "staging"
    # models/staging/clv/ (value) is longer than models/staging/ (staging)
    assert model_step("stg_clv__person_predictions", "models/staging/clv/stg_clv__person_predictions.sql") == "value"
    # a name rule wins over its folder (models/intermediate/behavior/ is "behavior reports")
    assert model_step("int_events_sessionized", "models/intermediate/behavior/int_events_sessionized.sql") == "sessions"
    assert (
        model_step("fct_person_identifier_history", "models/marts/identity/fct_person_identifier_history.sql")
        == "identity"
    )
    assert model_step("new_model", "models/elsewhere/new_model.sql") == "other models"
    assert node_step({"name": "unique_x", "resource_type": "test", "path": "models/staging/x.yml"}) == "checks"


def test_overlapping_intervals_share_their_time_and_gaps_go_to_the_idle_label():
    # 0-10 s: a alone 0-4, a and b 4-6 (1 s each), b alone 6-8, nothing 8-10
    seconds = split_time([(0.0, 6.0, "a"), (4.0, 8.0, "b")], 0.0, 10.0, "idle")
    assert seconds == {"a": 5.0, "b": 3.0, "idle": 2.0}
    assert sum(seconds.values()) == 10.0


def test_a_run_is_split_into_steps_that_add_up_to_its_wall_time():
    timeline = {
        "steps": [
            {"step_key": "raw_sources", "start": 102.0, "end": 110.0},
            {"step_key": "dbt_models", "start": 110.0, "end": 140.0},
            {"step_key": "expectations_2", "start": 141.0, "end": 145.0},
            {"step_key": "published__warehouse", "start": 145.0, "end": 146.0},
        ],
        "dbt_nodes": [
            {"step_key": "dbt_models", "name": "stg_events__events", "resource_type": "model",
             "path": "models/staging/events/stg_events__events.sql", "start": 120.0, "end": 130.0},
            {"step_key": "dbt_models", "name": "unique_x", "resource_type": "test", "path": "", "start": 130.0,
             "end": 135.0},
        ],
    }
    samples = [(105.0, 300.0), (125.0, 2000.0), (132.0, 800.0), (143.0, 900.0)]
    figures = attribute(timeline, 100.0, 150.0, samples)
    seconds = {name: figure.seconds for name, figure in figures.items()}
    # dbt step 30 s = 10 staging + 5 checks + 15 start-up; checks also get the 4 s of expectations;
    # expectations_2 (a split op) and published__warehouse (an asset key) are known steps; the rest of the 50 s is
    # orchestration
    assert seconds == {"ingest": 8.0, "staging": 10.0, "checks": 9.0, DBT_STARTUP: 15.0, "publish": 1.0,
                       ORCHESTRATION: 7.0}
    assert figures["staging"].peak_memory_mb == 2000.0
    assert figures["ingest"].peak_memory_mb == 300.0
    assert figures["checks"].peak_memory_mb == 900.0


def test_dbt_nodes_are_read_from_the_run_s_command_folders(tmp_path):
    folder = tmp_path / "dbt_models_2-3cd8e25-abcdef0"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"nodes": {"model.p.m": {
        "name": "m", "resource_type": "model", "original_file_path": "models/marts/m.sql"}}}))
    (folder / "run_results.json").write_text(json.dumps({"results": [{"unique_id": "model.p.m", "status": "success",
        "timing": [{"name": "compile", "started_at": "2026-11-26T05:00:00Z", "completed_at": "2026-11-26T05:00:01Z"},
                   {"name": "execute", "started_at": "2026-11-26T05:00:01Z",
                    "completed_at": "2026-11-26T05:00:04.5Z"}]}]}))
    (tmp_path / "dbt_models-0000000-abcdef0").mkdir()  # another run's folder: ignored
    [node] = dbt_node_intervals(tmp_path, "3cd8e25f-0000")
    assert node["step_key"] == "dbt_models_2" and node["path"] == "models/marts/m.sql"
    assert node["end"] - node["start"] == 4.5


def test_the_incremental_mirror_leaves_out_the_last_day_then_adds_it(tmp_path):
    source = tmp_path / "raw"
    for relative in ("events/date=2026-10-30/a.jsonl", "events/date=2026-10-31/b.jsonl", "products/p.csv"):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text("x")
    mirror = tmp_path / "mirror"
    link_raw_files(source, mirror, skip_day="2026-10-31")
    assert sorted(p.relative_to(mirror).as_posix() for p in mirror.rglob("*") if p.is_file()) == [
        "events/date=2026-10-30/a.jsonl", "products/p.csv"]
    link_raw_files(source, mirror, skip_day=None)
    assert (mirror / "events/date=2026-10-31/b.jsonl").is_symlink()


def test_the_table_shows_each_step_as_a_multiple_of_the_scan_floor():
    full = RefreshFigures(
        {"ingest": StepFigure("ingest", 20.0, 512.0), "value": StepFigure("value", note="no models yet")}
    )
    table = format_table(full, None, floor=4.0)
    ingest_line = next(line for line in table.splitlines() if line.startswith("ingest"))
    assert ingest_line.split()[1:4] == ["20.0", "5.0", "512"]
    assert "(no models yet)" in next(line for line in table.splitlines() if line.startswith("value"))
    assert table.splitlines()[-1].split()[1:4] == ["20.0", "5.0", "512"]


def test_the_disk_check_counts_the_data_set_only_when_it_is_not_cached(tmp_path, monkeypatch, capsys):
    from collections import namedtuple

    from orchestration import benchmark

    usage = namedtuple("usage", "total used free")
    # 10M events: 13 GiB for a warehouse + 1.2 GiB for the raw files
    monkeypatch.setattr(benchmark.shutil, "disk_usage", lambda path: usage(0, 0, 14 * 2**30))
    assert not benchmark.enough_disk(tmp_path / "10m", 10_000_000)
    assert "about 14 GiB of disk needed" in capsys.readouterr().err
    (tmp_path / "10m" / "data" / "truth").mkdir(parents=True)
    (tmp_path / "10m" / "data" / "truth" / "summary.json").write_text("{}")
    assert benchmark.enough_disk(tmp_path / "10m", 10_000_000)
