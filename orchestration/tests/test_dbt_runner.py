"""orchestration/dbt_runner.py reuses a parsed manifest across runs whose vars, salt and warehouse file
differ. That is right only while parsing does not read them: the first test parses the project twice, once
with every var of dbt_project.yml changed (but the PARSE_TIME_VARS, which are part of the reuse key) and
another warehouse file name, and requires the same manifest once the first is renamed for that file
(retarget_database). The others check what the reuse key does and does not depend on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from dbt.contracts.graph.manifest import Manifest, WritableManifest

from orchestration.dbt_runner import PARSE_TIME_VARS, main, manifest_key, option, reads_manifest, retarget_database
from orchestration.settings import PROJECT_DIR
from orchestration.tests.refresh_helpers import copy_project

# Parts of manifest.json that say when and by which invocation it was written, not what was parsed.
INVOCATION_FIELDS = {"created_at", "metadata", "generated_at", "invocation_id"}
MANIFEST_SECTIONS = ("nodes", "sources", "macros", "unit_tests", "exposures", "metrics", "semantic_models",
                     "saved_queries", "groups", "disabled")


# Other values for vars whose value parsing validates (a rule's own check), still valid.
ALTERNATIVES = {
    "default_phone_country_code": "1",
    "churn_warning_activity_measure": "count_events",
    "funnel_default_conversion_window": "7 days",
    "retention_max_periods": {"day": 10, "week": 4, "month": 3},
    # set from the environment by default; a refresh passes them as --vars
    "as_of_date": "2025-01-15",
    "refresh_from_date": "2025-01-10",
    "refresh_lookback_days": 5,
}


def changed_value(name: str, value):
    """Another value of the same type for a var (a parse that read it would then differ or fail)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, list):
        return value[:-1]
    if isinstance(value, dict):
        return {}
    if name.endswith("_date") or name.endswith("_from") or name.endswith("_to"):
        return "2020-02-02"
    return f"{value}_changed" if value else "changed"


def comparable(value):
    """A manifest part without INVOCATION_FIELDS; of a node's dependencies, the nodes it runs after and each
    model it refs once: which macros a model called, and how often it wrote ref() to a model, do not change
    what runs (dbt finds a macro by name when it compiles)."""
    if isinstance(value, dict):
        value = {key: comparable(item) for key, item in value.items() if key not in INVOCATION_FIELDS}
        if isinstance(value.get("depends_on"), dict):
            value["depends_on"] = {**value["depends_on"], "macros": None}
        if isinstance(value.get("refs"), list):
            value["refs"] = sorted({json.dumps(ref, sort_keys=True) for ref in value["refs"]})
        return value
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def differing_fields(left, right) -> list[str]:
    """The top-level fields in which two manifest entries differ (['<missing>'] when one side lacks it)."""
    if left == right:
        return []
    if not isinstance(left, dict) or not isinstance(right, dict):
        return ["<missing>"]
    return [field for field in sorted(set(left) | set(right)) if left.get(field) != right.get(field)]


def parse(folder: Path, environment: dict[str, str], extra: list[str], database: tuple[str, str] | None = None) -> dict:
    """`dbt parse` from scratch into folder/target; the parsed sections of its manifest.json, read back into
    dbt's Manifest (database: (old, new), renamed by retarget_database)."""
    command = [str(Path(sys.executable).parent / "dbt"), "parse", "--no-partial-parse", "--quiet",
               "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"), *extra]
    completed = subprocess.run(command, cwd=PROJECT_DIR, env={**os.environ, **environment},
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    manifest = Manifest.from_writable_manifest(
        WritableManifest.read_and_check_versions(str(folder / "target" / "manifest.json")))
    if database:
        retarget_database(manifest, *database)
    return {section: comparable(as_dicts(getattr(manifest, section))) for section in MANIFEST_SECTIONS}


def as_dicts(entries: dict) -> dict:
    """A manifest section's entries as manifest.json writes them (`disabled` holds lists of them)."""
    return {name: [item.to_dict(omit_none=False) for item in entry] if isinstance(entry, list)
            else entry.to_dict(omit_none=False) for name, entry in entries.items()}


@pytest.mark.slow
def test_the_parsed_project_does_not_depend_on_vars_salt_or_warehouse_file(tmp_path) -> None:
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    other_vars = {name: ALTERNATIVES.get(name, changed_value(name, value)) for name, value in project_vars.items()
                  if name not in PARSE_TIME_VARS and (name in ALTERNATIVES or "env_var" not in str(value))}
    runs = [
        # the defaults: no analysis day (the latest in the data), no refresh window
        (tmp_path / "one", {"WAREHOUSE_PATH": str(tmp_path / "one" / "profile.duckdb"), "PII_HASH_SALT": "one",
                            "AS_OF": "", "REFRESH_FROM_DATE": "", "DBT_PROFILES_DIR": str(PROJECT_DIR),
                            "DBT_TARGET": "duckdb"}, [], ("profile", "other")),
        # everything else, and another warehouse file: its name is the database name in every relation, which
        # dbt_runner.retarget_database renames in a reused manifest (applied to the first parse above)
        (tmp_path / "two", {"WAREHOUSE_PATH": str(tmp_path / "two" / "elsewhere" / "other.duckdb"),
                            "PII_HASH_SALT": "two", "AS_OF": "2025-01-15", "REFRESH_FROM_DATE": "2025-01-10",
                            "SOURCE_TIME_ZONE": "UTC", "REPORTING_TIME_ZONE": "Europe/Berlin",
                            "DUCKDB_TEMP_DIRECTORY": str(tmp_path / "spill"), "DUCKDB_MEMORY_LIMIT": "3GB",
                            "DBT_THREADS": "1",
                            "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_TARGET": "duckdb"},
         ["--vars", json.dumps(other_vars)]),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        one, two = pool.map(lambda run: parse(*run), runs)
    assert other_vars, "no var was changed"
    relations = {node.get("relation_name") or "" for node in two["nodes"].values()}
    assert any(relation.startswith('"other".') for relation in relations), "the database name was not changed"
    differences = [f"{section}.{name}.{field}"
                   for section in MANIFEST_SECTIONS
                   for name in sorted(set(one[section] or {}) | set(two[section] or {}))
                   for field in differing_fields((one[section] or {}).get(name), (two[section] or {}).get(name))]
    assert not differences, (
        "the parsed manifest depends on a var or the warehouse folder, or retarget_database missed a place "
        "that holds the database name, and orchestration/dbt_runner.py would reuse it under other values: read "
        "the var when the model compiles, or add it to dbt_runner.PARSE_TIME_VARS. "
        f"Differing: {differences[:20]}"
    )


def key(project: Path, cli_vars: dict | None = None, **environment: str) -> str:
    return manifest_key(project, PROJECT_DIR, None, {"WAREHOUSE_PATH": "/w/one/profile.duckdb", **environment},
                        cli_vars)


def test_the_reuse_key_ignores_run_parameters_and_the_warehouse_folder() -> None:
    base = key(PROJECT_DIR, AS_OF="2026-10-31", PII_HASH_SALT="a")
    assert key(PROJECT_DIR, AS_OF="2026-11-01", PII_HASH_SALT="b", REFRESH_FROM_DATE="2026-10-01") == base
    assert key(PROJECT_DIR, WAREHOUSE_PATH="/elsewhere/profile.duckdb", AS_OF="2026-10-31") == base
    assert key(PROJECT_DIR, {"as_of_date": "2026-10-30", "funnel_date_from": "2026-10-01"}) == key(PROJECT_DIR)


def test_the_reuse_key_follows_files_target_and_parse_time_environment(tmp_path) -> None:
    base = key(PROJECT_DIR)
    # the warehouse file's name is not: a reused manifest is renamed for it (retarget_database)
    assert key(PROJECT_DIR, WAREHOUSE_PATH="/w/one/other.duckdb") == base
    assert key(PROJECT_DIR, DBT_TARGET="spark") != base
    # read by dbt_project.yml outside vars (the Spark file format of incremental models)
    assert key(PROJECT_DIR, SPARK_FILE_FORMAT="delta") != base
    # a var parsing reads
    assert key(PROJECT_DIR, {"tag_codes_under_test": ["age_band"]}) != base
    copy = copy_project(tmp_path / "project")
    copied = key(copy)
    assert copied != base  # another project folder
    model = next((copy / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- edited\n")
    assert key(copy) != copied


@pytest.mark.parametrize(("arguments", "expected"), [
    (["build", "--select", "x"], True),
    (["--log-format", "json", "build", "--vars", "{}"], True),
    (["source", "freshness"], True),
    (["docs", "generate"], True),
    (["parse"], False),
    (["deps"], False),
    (["--version"], False),
    ([], False),
])
def test_which_commands_read_a_manifest(arguments: list[str], expected: bool) -> None:
    assert reads_manifest(arguments) is expected


def test_option_reads_both_spellings() -> None:
    assert option(["build", "--target", "spark"], "--target") == "spark"
    assert option(["build", "--target=spark"], "--target") == "spark"
    assert option(["build", "--target"], "--target") is None
    assert option(["build"], "--target") is None


def test_version_answers_without_starting_dbt(capsys) -> None:
    # Dagster's dbt resource reads the first version number of `dbt --version` once per run.
    from dbt.version import __version__ as dbt_version

    assert main(["--version"]) == 0
    first_line, installed = capsys.readouterr().out.splitlines()[:2]
    assert first_line == "Core:"
    assert installed == f"  - installed: {dbt_version}"
