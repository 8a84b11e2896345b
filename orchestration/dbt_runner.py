"""`dbt` that parses the project once per version of its files, not once per run.

    python -m orchestration.dbt_runner build --select ...     (installed as the command `dbt-reuse`)

dbt throws its partial-parse state away and parses the whole project again (15-40 s on 2 cores) whenever
`--vars`, an environment variable read in dbt_project.yml or the profile's connection changes: every daily
refresh (`--vars {"as_of_date": ...}`), every warehouse of the test suite, every salt. What dbt parses does
not depend on those values here: vars and the salt are read when a model is compiled, not when the project is
parsed, but for the few of PARSE_TIME_VARS (orchestration/tests/test_dbt_runner.py parses with every other
var changed and compares).

So this command keeps the parsed manifest, pickled, under target/reused_manifests/, keyed by what does
shape it (manifest_key: the project's files, the dbt version, the target, the warehouse's database name, the
environment variables dbt_project.yml reads outside `vars:`, the --vars values of PARSE_TIME_VARS), and runs
the command in this process with dbt's programmatic runner on that manifest, which skips parsing. A key not
seen yet is parsed once (dbt's own partial parse helps) and stored. Arguments, output and exit codes are
dbt's: 0 success, 1 a node or test failed, 2 dbt could not run (no manifest.json is written: see
_skip_manifest_json). Commands that read no manifest (`parse`,
`deps`, `clean`, `debug`, `init`) are passed to dbt unchanged. Dagster's dbt resource runs this command
(orchestration/assets/dbt.py), as do the tests that call dbt themselves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

# Files dbt reads when it parses; a change to any of them is another manifest.
DBT_PROJECT_INPUTS = ("dbt_project.yml", "packages.yml", "dependencies.yml", "selectors.yml")
DBT_PROJECT_FOLDERS = ("models", "macros", "seeds", "snapshots", "tests", "analyses")
# dbt's commands that read a manifest; others (parse, deps, clean, debug, init, --help) go to dbt unchanged.
MANIFEST_COMMANDS = {"build", "clone", "compile", "docs", "list", "ls", "retry", "run", "run-operation", "seed",
                     "show", "snapshot", "source", "test"}
# The vars parsing does read (they pick which tags and segments a build or a unit test sees): their --vars
# values are part of the key. Every other var is read when a model compiles.
PARSE_TIME_VARS = ("tag_catalog_override", "tag_codes_under_test", "segment_definitions_override",
                   "segment_keys_under_test")
# Profile settings that only tune the connection (threads, memory, spill folder, Spark's session options).
RUNTIME_CONNECTION = {"threads", "config_options", "settings", "server_side_parameters"}
CACHE_FOLDER = "reused_manifests"
CACHE_KEPT = 12  # manifests kept per project (the newest)
ENV_VAR_CALL = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
# `{{ env_var('NAME', 'default') | filter }}`: the name and the default.
ENV_VAR_EXPRESSION = re.compile(
    r"\{\{\s*env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*(?:,\s*['\"]([^'\"]*)['\"])?\s*\)\s*(?:\|\s*\w+\s*)*\}\}"
)


def option(arguments: Sequence[str], name: str) -> str | None:
    """The value of `--name value` or `--name=value` in a dbt command line, else None."""
    for index, argument in enumerate(arguments):
        if argument == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return None


def project_files_digest(project_dir: Path) -> str:
    """A hash of the path and content of every file dbt parses."""
    digest = hashlib.sha256()
    paths = [project_dir / name for name in DBT_PROJECT_INPUTS]
    for folder in DBT_PROJECT_FOLDERS:
        paths.extend(sorted((project_dir / folder).rglob("*")))
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def render_env_vars(value, environment: dict[str, str]):
    """value (a profile's text, list or mapping) with each `env_var('NAME', 'default')` call replaced by the
    value it reads (for the key only: filters such as `| int` stay)."""
    if isinstance(value, dict):
        return {key: render_env_vars(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [render_env_vars(item, environment) for item in value]
    if isinstance(value, str):
        return ENV_VAR_EXPRESSION.sub(lambda match: environment.get(match.group(1), match.group(2) or ""), value)
    return value


def parse_time_environment(project: dict, environment: dict[str, str]) -> dict[str, str]:
    """The environment variables dbt_project.yml reads outside its `vars:` block (configs such as Spark's
    file_format: they shape the manifest), with their values. Those read only by vars (AS_OF, PII_HASH_SALT,
    time zones) are left out: vars are rendered when a model compiles."""
    outside_vars = {key: value for key, value in project.items() if key != "vars"}
    names = sorted(set(ENV_VAR_CALL.findall(repr(outside_vars))))
    return {name: environment.get(name, "") for name in names}


def target_connection(project: dict, profiles_dir: Path, target: str | None, environment: dict[str, str]) -> dict:
    """The profile's output for the target, its env_var calls read from the environment, without the
    RUNTIME_CONNECTION settings; `path` (a DuckDB file) reduced to the database name dbt derives from it (the
    file's stem): the warehouse's folder does not shape the manifest, its name does ("<database>"."<schema>".
    "<table>" in every relation)."""
    profiles = yaml.safe_load((profiles_dir / "profiles.yml").read_text()) or {}
    profile = profiles.get(project.get("profile"), {})
    target_name = target or environment.get("DBT_TARGET") or render_env_vars(str(profile.get("target", "")),
                                                                                environment)
    output = render_env_vars(profile.get("outputs", {}).get(target_name, {}), environment) or {}
    if "path" in output:
        output["path"] = Path(str(output["path"])).stem
    return {"target": target_name, **{key: value for key, value in output.items() if key not in RUNTIME_CONNECTION}}


def manifest_key(project_dir: Path, profiles_dir: Path, target: str | None, environment: dict[str, str],
                 cli_vars: dict | None = None) -> str:
    """What the parsed manifest depends on, hashed: see the module's docstring."""
    from dbt.version import __version__ as dbt_version

    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    parts = {
        "dbt": dbt_version,
        "python": sys.version,
        "project_dir": str(project_dir.resolve()),
        "files": project_files_digest(project_dir),
        "connection": target_connection(project, profiles_dir, target, environment),
        "environment": parse_time_environment(project, environment),
        "vars": {name: (cli_vars or {}).get(name) for name in PARSE_TIME_VARS},
    }
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()[:24]


def _dbt_options(arguments: Sequence[str]) -> list[str]:
    """The options of a command line that say which project, profile and target to parse."""
    kept = []
    for name in ("--project-dir", "--profiles-dir", "--target", "-t", "--profile"):
        value = option(arguments, name)
        if value is not None:
            kept += [name, value]
    return kept


def manifest_fields(manifest) -> dict:
    """The manifest's data fields, without its lookup caches (rebuilt on first use). Pickling the Manifest
    itself loses its unit-test fixtures: dbt 1.11's Manifest.__reduce_ex__ lists its fields positionally and
    leaves `fixtures` out, so every later field lands one place off."""
    return {field.name: getattr(manifest, field.name) for field in dataclasses.fields(manifest)
            if not field.name.startswith("_")}


def manifest_from_fields(fields: dict):
    from dbt.contracts.graph.manifest import Manifest

    return Manifest(**fields)


def load_or_parse_manifest(arguments: Sequence[str], project_dir: Path, profiles_dir: Path):
    """The manifest for this project, target and environment: from the cache, else parsed and stored."""
    from dbt.cli.main import dbtRunner

    cli_vars = yaml.safe_load(option(arguments, "--vars") or "{}") or {}
    key = manifest_key(project_dir, profiles_dir, option(arguments, "--target") or option(arguments, "-t"),
                       dict(os.environ), cli_vars if isinstance(cli_vars, dict) else {})
    folder = project_dir / "target" / CACHE_FOLDER
    cached = folder / f"{key}.pickle"
    if cached.exists():
        try:
            with cached.open("rb") as file:
                return manifest_from_fields(pickle.load(file))
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
            pass  # a damaged or stale file: parse again
    # Parsed with the command's own target folder, so two commands in parallel do not share dbt's state.
    parse_arguments = ["parse", "--quiet", *_dbt_options(arguments)]
    target_path = option(arguments, "--target-path")
    if target_path:
        parse_arguments += ["--target-path", target_path]
    result = dbtRunner().invoke(parse_arguments)
    if not result.success or result.result is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{os.getpid()}"
    with temporary.open("wb") as file:
        pickle.dump(manifest_fields(result.result), file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cached)
    for stale in sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime, reverse=True)[CACHE_KEPT:]:
        stale.unlink(missing_ok=True)
    return result.result


def reads_manifest(arguments: Sequence[str]) -> bool:
    """True when the command line's dbt command (its first known command word) reads a manifest."""
    known = MANIFEST_COMMANDS | {"parse", "deps", "clean", "debug", "init"}
    command = next((argument for argument in arguments if argument in known), None)
    return command in MANIFEST_COMMANDS


def invoke(arguments: Sequence[str]):
    """Run one dbt command line in this process on the reused manifest; dbt's dbtRunnerResult."""
    from dbt.cli.main import dbtRunner

    arguments = list(arguments)
    if not reads_manifest(arguments) or "--help" in arguments or "-h" in arguments:
        return dbtRunner().invoke(arguments)
    project_dir = Path(option(arguments, "--project-dir") or os.environ.get("DBT_PROJECT_DIR") or os.getcwd())
    profiles_dir = Path(option(arguments, "--profiles-dir") or os.environ.get("DBT_PROFILES_DIR") or project_dir)
    manifest = load_or_parse_manifest(arguments, project_dir, profiles_dir)
    if manifest is None:  # the parse failed: let dbt say why, as it would have
        return dbtRunner().invoke(arguments)
    _skip_manifest_json()
    return dbtRunner(manifest=manifest).invoke(arguments)


def _skip_manifest_json() -> None:
    """A command on a reused manifest does not write it out again as manifest.json (2-3 s of a 5 MB JSON
    per command): the project's own is target/manifest.json, which `dbt parse` writes (Dagster runs it when a
    project file changes: assets/dbt.py prepare_manifest). run_results.json is written as always."""
    import dbt.task.runnable

    dbt.task.runnable.write_manifest = lambda manifest, target_path: None


def main(argv: Sequence[str] | None = None) -> int:
    result = invoke(sys.argv[1:] if argv is None else argv)
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
