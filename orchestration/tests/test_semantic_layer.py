"""The semantic layer (models/marts/metrics), the time spine and the exposures parse and keep their contract.

One `dbt parse` into a temporary target path (it also runs dbt-semantic-interfaces' validations, which fail
the parse on an error); the tests read its manifest.json and semantic_manifest.json. No warehouse needed:
docs/metrics.md shows the SQL each metric equals on the published marts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
from dbt_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

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
DASHBOARD_MARTS = {
    "rpt_active_persons", "rpt_lifecycle", "dim_person_lifecycle_stages", "rpt_funnel_steps",
    "rpt_retention_cohorts", "fct_person_value", "dim_person_profiles", "dim_tag_catalog",
    "rpt_tag_value_distribution", "dim_segments", "fct_segment_memberships", "rpt_segment_sizes", "dim_persons",
    "bdg_person_identifiers", "fct_person_daily_activity", "fct_orders", "rpt_data_coverage",
}
EXPORT_MARTS = {"rpt_segment_exports", "dim_segments"}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> tuple[dict, dict]:
    """(manifest.json, semantic_manifest.json) of one `dbt parse` of the project."""
    folder = tmp_path_factory.mktemp("semantic_parse")
    environment = {
        **os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "PII_HASH_SALT": "semantic-layer-test-salt",
        "WAREHOUSE_PATH": ":memory:", "DBT_TARGET": "duckdb",
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
