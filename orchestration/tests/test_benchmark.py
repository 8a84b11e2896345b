"""The benchmark script's plumbing (make bench): step assignment, the incremental raw mirror, the table."""

from pathlib import Path

from orchestration.benchmark import (
    MODEL_STEPS,
    RefreshFigures,
    StepFigure,
    PYTHON_STEPS,
    assign_model_steps,
    bench_environment,
    format_table,
    link_raw_files,
    list_models,
)


def test_every_model_seed_and_snapshot_lands_in_exactly_one_step(tmp_path):
    steps = assign_model_steps(bench_environment(tmp_path / "profile.duckdb"), tmp_path)
    assigned = [name for names in steps.values() for name in names]
    assert len(assigned) == len(set(assigned))
    assert "stg_events__events" in steps["staging"] and "event_dictionary" in steps["staging"]
    assert "rpt_source_row_accounting" in steps["staging"]
    assert {"int_identifiers_resolved", "dim_persons", "snp_person_identifiers"} <= set(steps["identity"])
    assert set(steps["sessions"]) == {"int_persons_resessionized", "int_events_sessionized", "fct_sessions"}
    assert steps["daily activity"] == ["fct_person_daily_activity"]
    # The most specific rule wins: models/staging/clv/ (value) over models/staging/ (staging).
    assert {"stg_clv__person_predictions", "int_person_purchase_histories", "fct_person_value"} <= set(steps["value"])
    assert [name for name, _ in MODEL_STEPS][-1] == "other models"


def test_the_value_step_builds_what_reads_the_model_step_after_it(tmp_path):
    selector, _ = PYTHON_STEPS["value"]
    after = list_models(selector, bench_environment(tmp_path / "profile.duckdb"), tmp_path)
    assert {"stg_clv__person_predictions", "fct_person_value", "rpt_clv_backtest"} <= after
    assert not {"int_person_purchase_histories", "fct_orders"} & after


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
    full = RefreshFigures({"ingest": StepFigure("ingest", 20.0, 512.0), "value": StepFigure("value", note="no models yet")})
    table = format_table(full, None, floor=4.0)
    ingest_line = next(line for line in table.splitlines() if line.startswith("ingest"))
    assert ingest_line.split()[1:4] == ["20.0", "5.0", "512"]
    assert "(no models yet)" in next(line for line in table.splitlines() if line.startswith("value"))
    assert table.splitlines()[-1].split()[1:4] == ["20.0", "5.0", "512"]
