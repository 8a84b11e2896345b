"""Source freshness: `dbt source freshness` as one asset check per raw source that declares a freshness rule.

The rule lives with the source in models/staging/<source>/_<source>__sources.yml (loaded_at_field,
warn_after, error_after); dbt's verdict becomes the check on the raw asset: pass, warn (a warning) or
error / runtime error (a failed check of error severity).

The checks depend on the raw assets only, so they report even when the dbt build fails. They never
overlap the build: every step of a run executes in the Dagster process one after another (definitions.py),
and in the same pool.
"""

import json
from collections.abc import Mapping
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)
from dagster_dbt import DbtCliResource

from orchestration.as_of_date import dbt_vars_arguments
from orchestration.assets import WAREHOUSE_POOL
from orchestration.assets.dbt import dbt_manifest_path, dbt_translator, invocation_target_path
from orchestration.partitions import run_tags_dbt_vars
from orchestration.progress import report_progress
from orchestration.settings import export_dbt_environment, load_settings

FRESHNESS_CHECK_NAME = "source_freshness"


def has_freshness_rule(source_props: Mapping[str, Any]) -> bool:
    rule = source_props.get("freshness") or source_props.get("config", {}).get("freshness") or {}
    has_threshold = any((rule.get(level) or {}).get("count") for level in ("warn_after", "error_after"))
    return bool(has_threshold and (source_props.get("loaded_at_field") or source_props.get("loaded_at_query")))


def sources_with_freshness_rules(manifest: Mapping[str, Any]) -> dict[str, AssetCheckKey]:
    """dbt source unique_id -> the freshness check key on the source's asset."""
    return {
        unique_id: AssetCheckKey(dbt_translator.get_asset_key(props), FRESHNESS_CHECK_NAME)
        for unique_id, props in manifest.get("sources", {}).items()
        if has_freshness_rule(props)
    }


# dbt reports an empty source's newest load as the minimum timestamp (age ~17.8 million hours): older than this
# is no load at all.
NO_DATA_AGE_SECONDS = 100 * 365 * 24 * 3600


def has_no_data(result: Mapping[str, Any]) -> bool:
    """Whether dbt's freshness result describes a source without a single loaded row."""
    if result.get("status") == "runtime error" or result.get("error"):
        return False
    max_loaded_at = str(result.get("max_loaded_at") or "")
    age_seconds = result.get("max_loaded_at_time_ago_in_s")
    return (max_loaded_at.startswith("0001-") or (age_seconds is not None and age_seconds > NO_DATA_AGE_SECONDS)
            or (not max_loaded_at and age_seconds is None))


def _unmeasured(
    check_key: AssetCheckKey, severity: AssetCheckSeverity, status: str, detail_key: str, detail: str
) -> AssetCheckResult:
    """A freshness check that measured no age: failed, with its status and why in words."""
    return AssetCheckResult(
        asset_key=check_key.asset_key, check_name=check_key.name, passed=False, severity=severity,
        metadata={"status": MetadataValue.text(status), detail_key: MetadataValue.text(detail)},
    )


def freshness_check_result(
    check_key: AssetCheckKey, result: Mapping[str, Any] | None, dbt_error: str = ""
) -> AssetCheckResult:
    """Turn one entry of dbt's sources.json into a check result; None: dbt reported nothing for the source."""
    if result is None:
        return _unmeasured(check_key, AssetCheckSeverity.ERROR, "not checked", "error",
                           dbt_error or "dbt source freshness gave no result for this source")
    if has_no_data(result):
        # An absent source folder is an empty source (the raw data contract): nothing is stale, nothing loaded.
        return _unmeasured(check_key, AssetCheckSeverity.WARN, "no data", "message",
                           "no rows loaded: the source's raw folder has no files")
    status = result.get("status", "runtime error")
    age_seconds = result.get("max_loaded_at_time_ago_in_s")
    metadata: dict[str, Any] = {"status": MetadataValue.text(status)}
    if result.get("max_loaded_at"):
        metadata["max_loaded_at"] = MetadataValue.text(result["max_loaded_at"])
    if age_seconds is not None:
        metadata["age_hours"] = MetadataValue.float(round(age_seconds / 3600, 2))
    if result.get("criteria"):
        metadata["criteria"] = MetadataValue.json(result["criteria"])
    if result.get("error") or result.get("message"):
        metadata["error"] = MetadataValue.text(str(result.get("error") or result.get("message")))
    return AssetCheckResult(
        asset_key=check_key.asset_key,
        check_name=check_key.name,
        passed=status == "pass",
        severity=AssetCheckSeverity.WARN if status == "warn" else AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


_check_keys_by_source = sources_with_freshness_rules(json.loads(dbt_manifest_path.read_text()))


@multi_asset_check(
    name="source_freshness",
    specs=[
        AssetCheckSpec(
            name=check_key.name,
            asset=check_key.asset_key,
            description="dbt source freshness: age of the newest load against warn_after and error_after.",
        )
        for check_key in _check_keys_by_source.values()
    ],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def source_freshness(context: AssetCheckExecutionContext, dbt: DbtCliResource):
    settings = load_settings()
    export_dbt_environment(settings)
    # The run's dbt vars, though freshness reads none: with other vars than the builds', dbt would parse
    # the whole project again.
    as_of_date, dbt_vars = run_tags_dbt_vars(context.run.tags, settings.refresh_lookback_days)
    # Exit code 1 only says some source is stale; the per-source verdicts are in sources.json.
    target_path = invocation_target_path(context, "source_freshness")
    invocation = dbt.cli(["source", "freshness", *dbt_vars_arguments(as_of_date, dbt_vars)], raise_on_error=False,
                         target_path=target_path).wait()
    try:
        results = {entry["unique_id"]: entry for entry in invocation.get_artifact("sources.json")["results"]}
    except (OSError, ValueError, KeyError):
        results = {}
    # When dbt wrote no verdicts at all (it could not start, or not open the warehouse), say why.
    dbt_error = "" if results else " ".join(str(invocation.get_error() or "").split())[:1000]
    for unique_id, check_key in _check_keys_by_source.items():
        if check_key not in context.selected_asset_check_keys:
            continue
        result = results.get(unique_id)
        status = result.get("status", "runtime error") if result else "not checked"
        report_progress(context, f"freshness {check_key.asset_key.to_user_string():<24} {status}")
        yield freshness_check_result(check_key, result, dbt_error)
