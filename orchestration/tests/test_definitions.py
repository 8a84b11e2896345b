"""The Dagster code location loads, and its asset graph has the shape the project promises."""

import json
from pathlib import Path, PurePosixPath

import pytest
from dagster import AssetCheckKey, AssetCheckSeverity, AssetKey, Definitions, in_process_executor

from orchestration.as_of_date import dbt_vars_arguments, validate_as_of_date
from orchestration.assets import WAREHOUSE_POOL
from orchestration.assets.dbt import DBT_EXECUTABLE, build_arguments, dbt_project, dbt_resource, group_name_from_folders
from orchestration.assets.freshness import FRESHNESS_CHECK_NAME, freshness_check_result, has_freshness_rule
from orchestration.assets.raw import LOADED_FILES_TABLE, RAW_GROUP
from orchestration.definitions import defs
from orchestration.run import parse_arguments
from orchestration.settings import RAW_SOURCES


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text())


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def dbt_nodes(manifest: dict, resource_type: str) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == resource_type]


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_refresh_job_selects_every_asset_and_check(asset_graph):
    job = defs.resolve_job_def("refresh_warehouse")

    assert set(job.asset_layer.executable_asset_keys) >= set(asset_graph.materializable_asset_keys)
    assert set(job.asset_layer.asset_graph.asset_check_keys) >= set(asset_graph.asset_check_keys)


def test_every_raw_source_is_an_asset_in_the_raw_group(asset_graph):
    for source in (*RAW_SOURCES, LOADED_FILES_TABLE):
        node = asset_graph.get(AssetKey([RAW_GROUP, source]))
        assert node.is_materializable
        assert node.group_name == RAW_GROUP


def test_every_dbt_model_is_an_asset_grouped_by_its_folder(manifest, asset_graph):
    models = dbt_nodes(manifest, "model")
    assert models, "the manifest has no models"
    for model in models:
        key = AssetKey([model["schema"], model["alias"]])
        assert asset_graph.has(key), f"{model['unique_id']} is not an asset"
        # models/<layer>/<domain>/<model>.sql -> <layer>_<domain>
        folders = PurePosixPath(model["original_file_path"]).parts[1:-1]
        assert asset_graph.get(key).group_name == "_".join(folders), model["original_file_path"]


def test_seeds_are_assets_in_the_seeds_group(manifest, asset_graph):
    for seed in dbt_nodes(manifest, "seed"):
        assert asset_graph.get(AssetKey([seed["schema"], seed["alias"]])).group_name.startswith("seeds")


def test_group_names_follow_the_folder_layout():
    assert group_name_from_folders({"resource_type": "model", "fqn": ["p", "marts", "quality", "rpt_x"]}) == (
        "marts_quality"
    )
    assert group_name_from_folders({"resource_type": "model", "fqn": ["p", "staging", "events", "stg"]}) == (
        "staging_events"
    )
    assert group_name_from_folders({"resource_type": "seed", "fqn": ["p", "event_dictionary"]}) == "seeds"
    assert group_name_from_folders({"resource_type": "seed", "fqn": ["p", "tags", "tag_rules"]}) == "seeds_tags"


def test_source_assets_are_upstream_of_the_staging_models_reading_them(manifest, asset_graph):
    """Every dbt source is a materializable asset upstream of its readers: raw.<table> the raw ingest,
    clv.<table> the customer-value model step."""
    sources = manifest["sources"]
    readers = [model for model in dbt_nodes(manifest, "model") if any(
        parent.startswith("source.") for parent in model["depends_on"]["nodes"]
    )]
    assert readers, "no model reads a dbt source"
    for model in readers:
        assert model["original_file_path"].startswith("models/staging/"), "only staging reads sources"
        parents = asset_graph.get(AssetKey([model["schema"], model["alias"]])).parent_keys
        for source_id in (parent for parent in model["depends_on"]["nodes"] if parent.startswith("source.")):
            source = sources[source_id]
            source_key = AssetKey([source["schema"], source["identifier"]])
            assert source["schema"] in (RAW_GROUP, "clv", "clustering"), source_id
            assert source_key in parents, f"{model['unique_id']} does not depend on {source_key.to_user_string()}"
            assert asset_graph.get(source_key).is_materializable, f"nothing produces {source_key.to_user_string()}"


def test_every_step_touching_the_warehouse_is_in_the_one_pool():
    job = defs.resolve_job_def("refresh_warehouse")
    pools = {node.name: node.definition.pool for node in job.nodes}
    assert pools, "the job has no steps"
    assert set(pools.values()) == {WAREHOUSE_POOL}, pools


def test_the_steps_of_a_run_execute_one_after_another():
    assert defs.resolve_job_def("refresh_warehouse").executor_def is in_process_executor


def test_sources_with_a_freshness_rule_have_a_freshness_check(manifest, asset_graph):
    checked = {key.asset_key for key in asset_graph.asset_check_keys if key.name == FRESHNESS_CHECK_NAME}
    expected = {
        AssetKey([RAW_GROUP, source["identifier"]])
        for source in manifest["sources"].values()
        if has_freshness_rule(source)
    }
    assert expected, "no source declares a freshness rule"
    assert checked == expected


def test_a_freshness_rule_needs_a_threshold_and_a_timestamp():
    rule = {"warn_after": {"count": 36, "period": "hour"}, "error_after": {"count": None, "period": None}}
    assert has_freshness_rule({"loaded_at_field": "_loaded_at", "freshness": rule})
    assert has_freshness_rule({"loaded_at_field": "_loaded_at", "config": {"freshness": rule}})
    assert not has_freshness_rule({"freshness": rule})
    assert not has_freshness_rule({"loaded_at_field": "_loaded_at", "freshness": None})


@pytest.mark.parametrize(("status", "passed", "severity"), [
    ("pass", True, AssetCheckSeverity.ERROR),
    ("warn", False, AssetCheckSeverity.WARN),
    ("error", False, AssetCheckSeverity.ERROR),
    ("runtime error", False, AssetCheckSeverity.ERROR),
])
def test_freshness_verdicts_become_check_results(status, passed, severity):
    key = AssetCheckKey(AssetKey(["raw", "events"]), FRESHNESS_CHECK_NAME)
    result = freshness_check_result(key, {"unique_id": "source.p.events.events", "status": status,
                                          "max_loaded_at_time_ago_in_s": 7200.0})
    assert (result.passed, result.severity) == (passed, severity)
    assert result.metadata["age_hours"].value == 2.0


@pytest.mark.parametrize("result", [
    # what dbt reported for a source whose raw folder had no files
    {"status": "error", "max_loaded_at": "0001-01-01T00:00:00+00:00", "max_loaded_at_time_ago_in_s": 63931054798.0},
    {"status": "error", "max_loaded_at_time_ago_in_s": 17758959.98 * 3600},
])
def test_a_source_without_data_says_no_data_not_stale(result):
    check = freshness_check_result(AssetCheckKey(AssetKey(["raw", "events"]), FRESHNESS_CHECK_NAME), result)
    assert (check.passed, check.severity) == (False, AssetCheckSeverity.WARN)
    assert check.metadata["status"].value == "no data"
    assert "age_hours" not in check.metadata


def test_a_source_dbt_did_not_report_fails_its_freshness_check():
    result = freshness_check_result(AssetCheckKey(AssetKey(["raw", "events"]), FRESHNESS_CHECK_NAME), None)
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", "2026-03-01"),
    (" 2024-02-29 ", "2024-02-29"),
    ("", ""),
    (None, ""),
])
def test_valid_as_of_dates_are_accepted(text, expected):
    assert validate_as_of_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "2025-02-29", "2026-3-1", "20260301", "2026/03/01", "yesterday",
                                  "2026-03-01T00:00"])
def test_invalid_as_of_dates_are_rejected(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        validate_as_of_date(text)


def test_the_as_of_date_reaches_dbt_as_a_var():
    assert dbt_vars_arguments("2026-03-01") == ["--vars", '{"as_of_date": "2026-03-01"}']
    assert dbt_vars_arguments("") == []
    assert dbt_vars_arguments("", {"quarantine_rate_warn": 0.1}) == ["--vars", '{"quarantine_rate_warn": 0.1}']
    assert dbt_vars_arguments("2026-03-01", {"as_of_date": "2020-01-01"}) == (
        ["--vars", '{"as_of_date": "2026-03-01"}']
    )
    with pytest.raises(ValueError):
        dbt_vars_arguments("2026-13-01")


def test_the_command_line_takes_a_raw_dir_and_an_as_of_date():
    arguments = parse_arguments(["--raw-dir", "some/raw", "--as-of", "2026-03-01"])
    assert (arguments.raw_dir, arguments.as_of) == (Path("some/raw"), "2026-03-01")
    assert parse_arguments([]).as_of is None


def test_the_command_line_rejects_a_bad_as_of_date(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_arguments(["--as-of", "2026-02-30"])
    assert exit_info.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_the_customer_value_step_runs_between_two_parts_of_the_dbt_build():
    # The Python asset reads a dbt model and a dbt source reads it back: Dagster splits the dbt multi-asset
    # into steps before and after it instead of refusing the cycle.
    names = [node.name for node in defs.resolve_job_def("refresh_warehouse").nodes]
    assert "customer_value_models" in names
    assert sum(name.startswith("dbt_models") for name in names) >= 2, names


def test_a_refresh_builds_without_unit_tests_unless_asked():
    # DBT_UNIT_TESTS=1 (settings.dbt_unit_tests) keeps them; the unit tier runs them all on an empty build.
    assert build_arguments("2026-10-31", {"refresh_from_date": "2026-10-28"}) == [
        "build", "--vars", '{"as_of_date": "2026-10-31", "refresh_from_date": "2026-10-28"}',
        "--exclude-resource-type", "unit_test"]
    assert build_arguments("2026-10-31", {}, unit_tests=True) == ["build", "--vars", '{"as_of_date": "2026-10-31"}']
    assert build_arguments(None, {}, full_refresh=True) == ["build", "--full-refresh", "--exclude-resource-type",
                                                           "unit_test"]


def test_dagster_runs_dbt_through_dbt_reuse():
    # the project parsed once per version of its files, not once per run (orchestration/dbt_runner.py)
    assert DBT_EXECUTABLE.is_file()
    assert dbt_resource().dbt_executable == str(DBT_EXECUTABLE)
