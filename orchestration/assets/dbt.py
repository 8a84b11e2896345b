"""The dbt project as Dagster assets: every model, seed and snapshot an asset, every dbt test an asset check.

Asset keys are the warehouse relations (`["staging", "stg_events__events"]` is staging.stg_events__events),
so a dbt source `raw.events` is the raw-ingest asset `["raw", "events"]` (`clv.model_fits`: the customer-value
model step's asset) and the lineage runs from the raw files to the marts. Groups follow the folder layout:
models/staging/events -> `staging_events`.
"""

import os
import re
import shutil
import sys
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetSpec,
    Config,
    Output,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from pydantic import Field

from orchestration.as_of_date import dbt_vars_arguments
from orchestration.assets import WAREHOUSE_POOL
from orchestration.assets.raw import LOADED_FILES_TABLE, raw_asset_key
from orchestration.dbt_runner import DBT_PROJECT_FOLDERS, DBT_PROJECT_INPUTS
from orchestration.partitions import (
    backfill_policy,
    context_refresh_window,
    daily_partitions,
    run_analysis_date,
    run_dbt_vars,
)
from orchestration.progress import report_progress
from orchestration.retries import retry_transient_failures
from orchestration.settings import PROJECT_DIR, export_dbt_environment, load_settings


def _newest_input_mtime(project_dir: Path) -> float:
    # the files dbt parses (orchestration/dbt_runner.py), and the profile
    paths = [project_dir / name for name in (*DBT_PROJECT_INPUTS, "profiles.yml")]
    for folder in DBT_PROJECT_FOLDERS:
        paths.extend((project_dir / folder).rglob("*"))
    return max((path.stat().st_mtime for path in paths if path.is_file()), default=0.0)


def prepare_manifest(project: DbtProject) -> Path:
    """Parse the project (`dbt parse`) when its manifest is missing or older than a project file.

    dagster-dbt builds the asset graph from target/manifest.json; `make run`, the tests and `dagster dev`
    all load these definitions, so each of them sees the models as they are on disk.
    """
    manifest_path = project.manifest_path
    if not manifest_path.exists() or manifest_path.stat().st_mtime < _newest_input_mtime(project.project_dir):
        project.preparer.prepare(project)
    return manifest_path


def group_name_from_folders(dbt_resource_props: Mapping[str, Any]) -> str:
    """`<layer>_<domain>` from the folders a node sits in: models/marts/quality -> marts_quality.

    Seeds and snapshots get their resource folder as the first part (seeds, seeds_<folder>, snapshots_...).
    """
    folders = list(dbt_resource_props["fqn"][1:-1])
    resource_folder = {"seed": "seeds", "snapshot": "snapshots"}.get(dbt_resource_props["resource_type"])
    if resource_folder and (not folders or folders[0] != resource_folder):
        folders.insert(0, resource_folder)
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(folders) or "models")


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Asset keys are warehouse relations (schema, name); groups come from the folder layout."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # A source is the asset that fills it: raw.<table> the raw ingest, clv.<table> the customer-value
            # model step (orchestration/assets/customer_value.py).
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            if dbt_resource_props.get("schema") == "raw":
                return raw_asset_key(table)
            return AssetKey([dbt_resource_props["schema"], table])
        relation_name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return AssetKey([dbt_resource_props["schema"], relation_name])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("seed."):
            # Seeds read no source, so Dagster would build them in a dbt command of their own before the raw
            # ingest: one more dbt start-up (10-20 s) per refresh. Ordered after the ingest, they are built in
            # the same command as the models that read them.
            return spec.merge_attributes(deps=[raw_asset_key(LOADED_FILES_TABLE)])
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # An explicit dagster group (meta.dagster.group or a dbt group) still wins.
        return super().get_group_name(dbt_resource_props) or group_name_from_folders(dbt_resource_props)


# dbt is installed beside this interpreter: find it even when the virtual environment is not activated
# (`.venv/bin/python -m orchestration.run`, an IDE), as dagster-dbt runs the `dbt` found on PATH.
_interpreter_bin = os.fspath(Path(sys.executable).parent)
if _interpreter_bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_interpreter_bin, os.environ.get("PATH", "")])

# Parse with the environment dbt will build in (absolute warehouse path, salt): dbt discards its partial
# parse when the profile or vars differ, which would make every build parse the project from scratch.
export_dbt_environment(load_settings())

dbt_project = DbtProject(project_dir=PROJECT_DIR, target=os.environ.get("DBT_TARGET") or "duckdb")
dbt_manifest_path = prepare_manifest(dbt_project)
dbt_translator = WarehouseDbtTranslator(
    # Source tests (e.g. raw.events._raw_row_id is unique) become checks on the raw assets too.
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


# dbt that parses the project once per version of its files, not once per run (orchestration/dbt_runner.py):
# every refresh passes another as_of_date, which would make plain `dbt` parse everything again.
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt-reuse")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project, profiles_dir=os.fspath(PROJECT_DIR), target=dbt_project.target,
        dbt_executable=os.fspath(DBT_EXECUTABLE),
    )


class DbtBuildConfig(Config):
    other_vars: dict[str, Any] = Field(
        default_factory=dict,
        description="Other dbt vars for this build (rule parameters of dbt_project.yml), "
        'e.g. {"quarantine_rate_warn": 0.1}. The analysis date and the re-processing window come from the '
        "run's partition.",
    )
    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from scratch (dbt --full-refresh). The tag and segment "
        "histories are never rebuilt (full_refresh: false): they hold what earlier refreshes saw.",
    )


class BuildProgress:
    """Turns the Dagster events of a dbt build into progress lines: node i/n with its duration, failed tests."""

    def __init__(self, context: AssetExecutionContext):
        self.context = context
        self.total = len(context.selected_asset_keys)
        self.built = 0
        self.tests = Counter({"passed": 0, "warned": 0, "failed": 0})
        self.observed_tests: set[str] = set()

    def record(self, event: Any) -> None:
        if isinstance(event, Output):
            self.built += 1
            duration = getattr(event.metadata.get("Execution Duration"), "value", None)
            seconds = f"{duration:6.1f}s" if isinstance(duration, (int, float)) else "    ?  "
            name = self.context.asset_key_for_output(event.output_name).to_user_string()
            report_progress(self.context, f"dbt {self.built:>3}/{self.total} built in {seconds}  {name}")
        elif isinstance(event, AssetCheckResult):
            if event.passed:
                outcome = "passed"
            else:
                outcome = "warned" if event.severity == AssetCheckSeverity.WARN else "failed"
            self._count_test(outcome, event.check_name, event.asset_key)
        elif isinstance(event, AssetObservation):
            # A dbt test on several models is observed on each of them: count it once.
            unique_id = str(getattr(event.metadata.get("unique_id"), "value", ""))
            if unique_id.startswith("test.") and unique_id not in self.observed_tests:
                self.observed_tests.add(unique_id)
                status = str(getattr(event.metadata.get("status"), "value", ""))
                outcome = {"pass": "passed", "warn": "warned"}.get(status, "failed")
                self._count_test(outcome, unique_id.split(".")[2], event.asset_key)

    def _count_test(self, outcome: str, test_name: str, asset_key: AssetKey) -> None:
        self.tests[outcome] += 1
        if outcome != "passed":
            report_progress(self.context, f"dbt test {outcome}: {test_name} on {asset_key.to_user_string()}")

    def report_tests(self) -> None:
        report_progress(
            self.context,
            f"dbt tests: {self.tests['passed']} passed, {self.tests['warned']} warned, "
            f"{self.tests['failed']} failed",
        )


def build_arguments(as_of_date: str | None, dbt_vars: Mapping[str, Any], full_refresh: bool = False,
                    unit_tests: bool = False) -> list[str]:
    """The `dbt build` command line of a refresh: its vars, --full-refresh when asked, and the dbt unit tests
    left out unless DBT_UNIT_TESTS is set (`make test` runs them on an empty build)."""
    arguments = ["build", *dbt_vars_arguments(as_of_date, dbt_vars)]
    if full_refresh:
        arguments.append("--full-refresh")
    if not unit_tests:
        arguments += ["--exclude-resource-type", "unit_test"]
    return arguments


@dbt_assets(
    manifest=dbt_manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=WAREHOUSE_POOL,
    name="dbt_models",
    partitions_def=daily_partitions,
    backfill_policy=backfill_policy,
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    settings = load_settings()
    export_dbt_environment(settings)
    window = context_refresh_window(context, settings.refresh_lookback_days)
    arguments = build_arguments(run_analysis_date(context, window),
                                {**config.other_vars, **run_dbt_vars(context, window)},
                                full_refresh=config.full_refresh, unit_tests=settings.dbt_unit_tests)
    report_progress(context, f"dbt {' '.join(arguments)}: {len(context.selected_asset_keys)} models and seeds")
    progress = BuildProgress(context)
    # A build that could not open the warehouse (another process holds its lock) is retried with backoff;
    # a failed test or model is not (orchestration/retries.py).
    with retry_transient_failures(context):
        invocation = dbt.cli(arguments, context=context)
        try:
            for event in invocation.stream():
                progress.record(event)
                yield event
        finally:
            progress.report_tests()
            _keep_partial_parse(invocation.target_path)


def invocation_target_path(context: AssetExecutionContext | AssetCheckExecutionContext, step: str) -> Path:
    """A target folder of its own for one dbt command of a run, named '<step>-<run id>-<random>' like
    dagster-dbt names them, so that remove_invocation_folders can find it."""
    return dbt_project.target_path / f"{step}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"


def remove_invocation_folders(run_id: str) -> None:
    """Delete the target folders of a run's dbt commands (manifest, logs, compiled SQL: ~15 MB each)."""
    target_dir = dbt_project.project_dir / dbt_project.target_path
    for folder in target_dir.glob(f"*-{run_id[:7]}-*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def _keep_partial_parse(invocation_target_path: Path) -> None:
    """Copy the build's partial-parse state to target/, where the next dbt command starts from.

    dagster-dbt gives every command its own target folder, seeded from target/partial_parse.msgpack; without
    this copy, a state parsed under another environment would make every later build parse from scratch.
    """
    source = invocation_target_path / "partial_parse.msgpack"
    destination = dbt_project.project_dir / dbt_project.target_path / "partial_parse.msgpack"
    if source.exists():
        temporary = destination.with_name(f".{destination.name}.{os.getpid()}")
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
