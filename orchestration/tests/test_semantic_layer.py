"""The semantic layer (models/marts/metrics), the time spine and the exposures parse and keep their contract.

One `dbt parse` into a temporary target path (it also runs dbt-semantic-interfaces' validations, which fail
the parse on an error); the tests read its manifest.json and semantic_manifest.json. No warehouse needed:
docs/metrics.md shows the SQL each metric equals on the published marts.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
from dbt_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

from orchestration.partitions import reporting_time_zone
from orchestration.settings import PROJECT_DIR

PROJECT = "user_profile"
# The metric names are a contract (dashboard, docs/metrics.md): each with the marts it is computed from.
CONTRACT_METRICS = {
    "active_persons": {"fct_person_daily_activity"},
    "new_persons": {"dim_person_lifecycle_stages"},
    "sessions": {"fct_sessions"},
    "funnel_conversion_rate": {"fct_person_funnel_progress"},
    "retention_rate": {"rpt_retention_cohorts"},
    "orders": {"fct_orders"},
    "revenue": {"fct_orders"},
    "average_order_value": {"fct_orders"},
    "repeat_purchase_rate": {"fct_person_value"},
    "segment_size": {"fct_segment_memberships"},
}
RATIO_METRICS = {"funnel_conversion_rate", "retention_rate", "average_order_value", "repeat_purchase_rate"}
# How each semantic model's mart holds persons: one row per person (primary) or several (foreign).
PERSON_ENTITY_TYPES = {
    "fct_person_daily_activity": "foreign",
    "dim_person_lifecycle_stages": "primary",
    "fct_sessions": "foreign",
    "fct_person_funnel_progress": "foreign",
    "fct_orders": "foreign",
    "fct_person_value": "primary",
    "fct_segment_memberships": "foreign",
}
# The marts the dashboard's code names (`marts.<name>` in dashboard/): its exposure must list exactly these.
DASHBOARD_MARTS = {
    match for path in (PROJECT_DIR / "dashboard").rglob("*.py")
    for match in re.findall(r"\bmarts\.([a-z_]+)", path.read_text())
}
EXPORT_MARTS = {"rpt_segment_exports", "dim_segments"}


def parse_project(folder: Path, warehouse_path: str = ":memory:", salt: str = "semantic-layer-test-salt",
                  ) -> tuple[dict, dict]:
    """(manifest.json, semantic_manifest.json) of one `dbt parse` of the project into folder/target. The
    relations name the warehouse's database (its file stem), so parse against the warehouse MetricFlow reads."""
    environment = {
        **os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "PII_HASH_SALT": salt,
        "WAREHOUSE_PATH": warehouse_path, "DBT_TARGET": "duckdb",
    }
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(PROJECT_DIR),
         "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    target = folder / "target"
    return (json.loads((target / "manifest.json").read_text()),
            json.loads((target / "semantic_manifest.json").read_text()))


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> tuple[dict, dict]:
    return parse_project(tmp_path_factory.mktemp("semantic_parse"))


@pytest.fixture(scope="module")
def manifest(parsed) -> dict:
    return parsed[0]


def metric(manifest: dict, name: str) -> dict:
    return manifest["metrics"][f"metric.{PROJECT}.{name}"]


def marts_of_metric(manifest: dict, name: str) -> set[str]:
    """The models a metric reads: its input measures -> their semantic models -> those models."""
    measure_models = {
        measure["name"]: model["depends_on"]["nodes"]
        for model in manifest["semantic_models"].values() for measure in model["measures"]
    }
    return {
        manifest["nodes"][node]["name"]
        for measure in metric(manifest, name)["type_params"]["input_measures"]
        for node in measure_models[measure["name"]]
    }


def test_the_semantic_manifest_validates_without_warnings(parsed):
    result = SemanticManifestValidator[PydanticSemanticManifest]().validate_semantic_manifest(
        PydanticSemanticManifest.parse_obj(parsed[1])
    )
    assert not result.errors and not result.warnings and not result.future_errors, [
        issue.message for issue in (*result.errors, *result.warnings, *result.future_errors)
    ]


@pytest.mark.parametrize("name", sorted(CONTRACT_METRICS))
def test_every_contract_metric_is_defined_described_and_reads_its_mart(manifest, name):
    assert f"metric.{PROJECT}.{name}" in manifest["metrics"], f"metric {name} is missing"
    definition = metric(manifest, name)
    description = definition["description"].strip()
    assert description, f"metric {name} has no description"
    for part in ("Grain", "Filters", "Source"):
        assert part in description, f"the description of {name} does not state its {part.lower()}"
    assert definition["label"].strip()
    assert marts_of_metric(manifest, name) == CONTRACT_METRICS[name]
    for mart in CONTRACT_METRICS[name]:
        assert mart in description, f"the description of {name} does not name its source mart {mart}"
    assert (definition["type"] == "ratio") == (name in RATIO_METRICS)


def test_every_metric_is_described(manifest):
    undescribed = [item["name"] for item in manifest["metrics"].values() if not item["description"].strip()]
    assert not undescribed


def test_every_semantic_model_references_an_existing_model_and_has_a_day_time_dimension(manifest):
    assert manifest["semantic_models"], "no semantic model"
    for unique_id, semantic_model in manifest["semantic_models"].items():
        (node,) = semantic_model["depends_on"]["nodes"]
        assert manifest["nodes"].get(node, {}).get("resource_type") == "model", unique_id
        assert semantic_model["description"], unique_id
        assert semantic_model["measures"], unique_id
        time_dimensions = {
            dimension["name"]: dimension["type_params"]["time_granularity"]
            for dimension in semantic_model["dimensions"] if dimension["type"] == "time"
        }
        assert set(time_dimensions.values()) == {"day"}, unique_id
        assert semantic_model["defaults"]["agg_time_dimension"] in time_dimensions, unique_id


def test_person_entities_have_the_type_of_their_marts_grain(manifest):
    person_types = {}
    for semantic_model in manifest["semantic_models"].values():
        model = manifest["nodes"][semantic_model["depends_on"]["nodes"][0]]["name"]
        for entity in semantic_model["entities"]:
            if entity["name"] == "person":
                assert entity["expr"] == "person_id"
                person_types[model] = entity["type"]
    assert person_types == PERSON_ENTITY_TYPES


def test_the_time_spine_is_dim_dates_by_day(parsed, manifest):
    dim_dates = manifest["nodes"][f"model.{PROJECT}.dim_dates"]
    assert dim_dates["time_spine"]["standard_granularity_column"] == "date_day"
    assert dim_dates["columns"]["date_day"]["granularity"] == "day"
    assert dim_dates["config"]["contract"]["enforced"]
    tests = {node["test_metadata"]["name"] for node in manifest["nodes"].values()
             if node["resource_type"] == "test" and node.get("attached_node") == dim_dates["unique_id"]
             and node.get("test_metadata")}
    assert {"unique", "not_null"} <= tests
    (spine,) = parsed[1]["project_configuration"]["time_spines"]
    assert spine["node_relation"]["alias"] == "dim_dates"
    assert spine["primary_column"] == {"name": "date_day", "time_granularity": "day"}


@pytest.mark.parametrize(
    ("name", "kind", "marts"),
    [("profile_dashboard", "dashboard", DASHBOARD_MARTS), ("activation_exports", "application", EXPORT_MARTS)],
)
def test_the_exposures_depend_on_the_marts_they_read(manifest, name, kind, marts):
    exposure = manifest["exposures"][f"exposure.{PROJECT}.{name}"]
    assert exposure["type"] == kind
    assert exposure["owner"]["name"] == "Analytics engineering"
    assert exposure["description"].strip() and exposure["label"]
    assert {manifest["nodes"][node]["name"] for node in exposure["depends_on"]["nodes"]} == marts
    if kind == "dashboard":
        assert exposure["url"] == "http://localhost:8501"


# --- MetricFlow queries on the demo refresh equal the marts ----------------------------------------------------


@pytest.fixture(scope="module")
def metricflow(demo_warehouse, tmp_path_factory):
    """Run `mf query` on a copy of the demo warehouse; returns a function (arguments) -> rows as dicts.

    MetricFlow reads target/semantic_manifest.json under the dbt project it runs in (the target-path of
    dbt_project.yml, not DBT_TARGET_PATH), so it runs in a folder holding dbt_project.yml and the parsed
    semantic manifest, never writing into the checkout.
    """
    folder = tmp_path_factory.mktemp("metricflow")
    shutil.copyfile(PROJECT_DIR / "dbt_project.yml", folder / "dbt_project.yml")
    warehouse = folder / demo_warehouse.path.name
    shutil.copyfile(demo_warehouse.path, warehouse)
    parse_project(folder, str(warehouse), demo_warehouse.salt)
    environment = {
        **os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "PII_HASH_SALT": demo_warehouse.salt,
        "WAREHOUSE_PATH": str(warehouse), "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"), "DBT_TARGET": "duckdb",
    }

    def query(*arguments: str) -> list[dict]:
        output = folder / "result.csv"
        output.unlink(missing_ok=True)
        completed = subprocess.run(
            [str(Path(sys.executable).parent / "mf"), "query", *arguments, "--csv", str(output)],
            cwd=folder, env=environment, capture_output=True, text=True, timeout=300,
        )
        assert completed.returncode == 0 and output.exists(), (completed.stdout + completed.stderr)[-3000:]
        with output.open() as rows:
            return list(csv.DictReader(rows))

    return query


def test_metricflow_order_metrics_equal_the_orders_mart(metricflow, demo_warehouse):
    (row,) = metricflow("--metrics", "orders,revenue,average_order_value,repeat_purchase_rate")
    ((orders, revenue, buyers, repeat_buyers),) = demo_warehouse.query(
        """
        select
            (select count(*) from marts.fct_orders where is_value_order),
            (select sum(revenue_amount) from marts.fct_orders where is_value_order),
            (select count(*) from marts.fct_person_value where count_orders > 0),
            (select count(*) from marts.fct_person_value where count_purchase_days >= 2)
        """
    )
    assert orders > 0 and int(row["orders"]) == orders
    assert float(row["revenue"]) == pytest.approx(float(revenue))
    assert float(row["average_order_value"]) == pytest.approx(float(revenue) / orders)
    assert float(row["repeat_purchase_rate"]) == pytest.approx(repeat_buyers / buyers)


def test_metricflow_daily_activity_metrics_equal_the_active_persons_report(metricflow, demo_warehouse):
    """Three marts, one day: the metrics must agree with rpt_active_persons (platform and channel 'all')."""
    ((as_of, active, new),) = demo_warehouse.query(
        """
        select activity_date, count_active_persons, count_new_persons
        from marts.rpt_active_persons
        where platform = 'all' and channel = 'all'
        order by activity_date desc
        limit 1
        """
    )
    ((sessions,),) = demo_warehouse.query("select count(*) from marts.fct_sessions where session_date = ?", [as_of])
    (row,) = metricflow(
        "--metrics", "active_persons,new_persons,sessions", "--group-by", "metric_time__day",
        "--where", f"{{{{ TimeDimension('metric_time', 'day') }}}} = '{as_of}'",
    )
    assert (int(row["active_persons"]), int(row["new_persons"]), int(row["sessions"])) == (active, new, sessions)
    assert active > 0 and sessions > 0


def test_metricflow_funnel_and_segment_metrics_equal_their_reports(metricflow, demo_warehouse):
    rates = {row["funnel_person__funnel_key"]: float(row["funnel_conversion_rate"])
             for row in metricflow("--metrics", "funnel_conversion_rate", "--group-by", "funnel_person__funnel_key")}
    expected = dict(demo_warehouse.query(
        """
        select funnel_key, conversion_rate_from_first_step
        from marts.rpt_funnel_steps
        where breakdown_dimension = 'all'
        qualify step_number = max(step_number) over (partition by funnel_key)
        """
    ))
    assert rates.keys() == expected.keys() and len(rates) >= 5
    for funnel_key, rate in expected.items():
        assert rates[funnel_key] == pytest.approx(rate), funnel_key
    sizes = {row["segment_membership__segment_key"]: int(row["segment_size"])
             for row in metricflow("--metrics", "segment_size", "--group-by", "segment_membership__segment_key")}
    members = dict(demo_warehouse.query("select segment_key, count_members from marts.dim_segments"))
    assert sizes == {key: count for key, count in members.items() if count > 0}


def test_metricflow_funnel_entrants_are_dated_by_reporting_day(metricflow, demo_warehouse):
    """metric_time of the funnel metrics is the reporting day of step 1 (REPORTING_TIME_ZONE), not its UTC day:
    the entrants per day equal fct_person_funnel_progress grouped by step_1_at read in that time zone, and on
    the demo some persons entered between midnight and 08:00 in Shanghai, where the two days differ."""
    days = demo_warehouse.query(
        f"""
        with entrants as (
            select
                funnel_key,
                cast(timezone('{reporting_time_zone()}', timezone('UTC', step_1_at)) as date) as day,
                cast(step_1_at as date) as utc_day
            from marts.fct_person_funnel_progress
            where not is_excluded
        )
        select funnel_key, day, count(*), count(case when day <> utc_day then 1 end) from entrants group by all
        """
    )
    expected = {(funnel_key, day.isoformat()): count for funnel_key, day, count, _ in days}
    utc_day_differs = sum(differing for *_, differing in days)
    rows = metricflow(
        "--metrics", "funnel_entered_persons", "--group-by", "funnel_person__funnel_key,metric_time__day",
    )
    actual = {(row["funnel_person__funnel_key"], row["metric_time__day"][:10]): int(row["funnel_entered_persons"])
              for row in rows}
    assert utc_day_differs > 0
    assert actual == expected


def test_dashboard_headlines_equal_the_metrics(metricflow, demo_warehouse):
    """The overview's 30-day revenue, orders and AOV and its day's active and new persons (dashboard/queries.py,
    on the published copy) are the metrics revenue, orders, average_order_value, active_persons, new_persons."""
    from dashboard import queries

    published = demo_warehouse.path.parent / "published" / demo_warehouse.path.name
    ((as_of,),) = demo_warehouse.query("select max(as_of_date) from marts.rpt_data_coverage")
    start = as_of - timedelta(days=29)
    (row,) = metricflow(
        "--metrics", "orders,revenue,average_order_value",
        "--where", f"{{{{ TimeDimension('metric_time', 'day') }}}} between '{start}' and '{as_of}'",
    )
    headline = queries.headline_orders(as_of, path=published).set_index("period").loc["current"]
    assert int(row["orders"]) == int(headline["count_orders"]) > 0
    assert float(row["revenue"]) == pytest.approx(float(headline["revenue"]))
    assert float(row["average_order_value"]) == pytest.approx(float(headline["average_order_value"]))
    (day,) = metricflow(
        "--metrics", "active_persons,new_persons", "--group-by", "metric_time__day",
        "--where", f"{{{{ TimeDimension('metric_time', 'day') }}}} = '{as_of}'",
    )
    activity = queries.headline_activity(as_of, published).iloc[0]
    assert (int(day["active_persons"]), int(day["new_persons"])) == (
        int(activity["count_active_persons"]), int(activity["count_new_persons"]))
