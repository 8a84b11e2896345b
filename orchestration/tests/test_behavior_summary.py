"""The behavior lines `make run` prints, read from the demo warehouse."""

from orchestration.summary import describe_behavior


def test_the_summary_states_sessions_activity_stages_funnel_and_experiment(demo_warehouse, tmp_path):
    lines = describe_behavior(demo_warehouse.path)
    assert "sessions of" in lines[0] and "bounce rate" in lines[0]
    assert lines[1].startswith("2026-10-31: DAU ")
    assert lines[2].startswith("lifecycle stages: ") and "churn warning on" in lines[2]
    assert lines[3].startswith("funnel purchase: Viewed product ")
    assert any(line.startswith("experiment checkout_redesign / treatment: ") for line in lines)
    assert describe_behavior(tmp_path / "missing.duckdb") == []
