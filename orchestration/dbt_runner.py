"""`dbt` that parses the project once per version of its files, not once per run.

    python -m orchestration.dbt_runner build --select ...     (installed as the command `dbt-reuse`)

dbt throws its partial-parse state away and parses the whole project again (15-40 s on 2 cores) whenever
`--vars`, an environment variable read in dbt_project.yml or the profile's connection changes: every daily
refresh (`--vars {"as_of_date": ...}`), every warehouse of the test suite, every salt. What dbt parses does
not depend on those values here: vars and the salt are read when a model is compiled, not when the project is
parsed, but for the few of PARSE_TIME_VARS (orchestration/tests/test_dbt_runner.py parses with every other
var changed and compares).

So this command keeps the parsed manifest, pickled, under target/reused_manifests/, keyed by what does
shape it (manifest_key: the project's files, the dbt version, the target, the environment variables
dbt_project.yml reads outside `vars:`, the --vars values of PARSE_TIME_VARS), and runs
the command in this process with dbt's programmatic runner on that manifest, which skips parsing. A key not
seen yet is parsed once (dbt's own partial parse helps) and stored. The warehouse's database name (a DuckDB
file's stem: "<database>"."<schema>"."<table>" in every relation) is not in the key: a manifest parsed for
one file name is renamed for another (retarget_database), so the test suite's many warehouses and `make
run`'s share one parse. Arguments, output and exit codes are
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
DATABASE_FIELD = "__database__"  # stored beside the manifest's fields: the database name it was parsed for
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


def target_output(project: dict, profiles_dir: Path, target: str | None,
                  environment: dict[str, str]) -> tuple[str, dict]:
    """The target's name and the profile's output for it, its env_var calls read from the environment."""
    profiles = yaml.safe_load((profiles_dir / "profiles.yml").read_text()) or {}
    profile = profiles.get(project.get("profile"), {})
    target_name = target or environment.get("DBT_TARGET") or render_env_vars(str(profile.get("target", "")),
                                                                                environment)
    return target_name, render_env_vars(profile.get("outputs", {}).get(target_name, {}), environment) or {}


def target_connection(target_name: str, output: dict) -> dict:
    """The target's connection as far as it shapes the manifest: the output without the RUNTIME_CONNECTION
    settings and without `path` (a DuckDB file), whose folder does not shape it and whose name only gives
    the database name, which retarget_database changes (see database_name)."""
    return {"target": target_name,
            **{key: value for key, value in output.items() if key not in RUNTIME_CONNECTION | {"path"}}}


def database_name(output: dict) -> str | None:
    """The database name dbt gives the target's relations when it is a DuckDB file (the file's stem, as
    dbt-duckdb derives it; an explicit `database` wins), else None (Spark: no database part)."""
    if output.get("database"):
        return str(output["database"])
    if output.get("path"):
        return Path(str(output["path"])).stem
    return None


def retarget_database(manifest, old: str, new: str) -> None:
    """Rename the database `old` to `new` in a parsed manifest, in place: the `database` and `relation_name`
    of every node, source and semantic model that lives in it (a relation in another database is left as
    it is), then dbt's flat graph (the same nodes as dictionaries) is rebuilt. Checked against a parse made
    under the new name (orchestration/tests/test_dbt_runner.py)."""
    if old == new:
        return
    old_prefix, new_prefix = f'"{old}".', f'"{new}".'

    def rename(relation) -> None:
        if relation is None or getattr(relation, "database", None) != old:
            return
        relation.database = new
        name = getattr(relation, "relation_name", None)
        if name and name.startswith(old_prefix):
            relation.relation_name = new_prefix + name[len(old_prefix):]

    for node in (*manifest.nodes.values(), *manifest.sources.values()):
        rename(node)
    for semantic_model in manifest.semantic_models.values():
        rename(semantic_model.node_relation)
    if manifest.flat_graph:
        manifest.build_flat_graph()


def read_project(project_dir: Path) -> dict:
    """dbt_project.yml as a mapping."""
    return yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}


def manifest_key(project_dir: Path, profiles_dir: Path, target: str | None, environment: dict[str, str],
                 cli_vars: dict | None = None, project: dict | None = None) -> str:
    """What the parsed manifest depends on, hashed: see the module's docstring. `project`: dbt_project.yml
    when the caller has read it already."""
    from dbt.version import __version__ as dbt_version

    project = read_project(project_dir) if project is None else project
    parts = {
        "dbt": dbt_version,
        "python": sys.version,
        "project_dir": str(project_dir.resolve()),
        "files": project_files_digest(project_dir),
        "connection": target_connection(*target_output(project, profiles_dir, target, environment)),
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
    target = option(arguments, "--target") or option(arguments, "-t")
    project, environment = read_project(project_dir), dict(os.environ)
    key = manifest_key(project_dir, profiles_dir, target, environment, cli_vars if isinstance(cli_vars, dict) else {},
                       project)
    database = database_name(target_output(project, profiles_dir, target, environment)[1])
    folder = project_dir / "target" / CACHE_FOLDER
    cached = folder / f"{key}.pickle"
    if cached.exists():
        try:
            with cached.open("rb") as file:
                stored = pickle.load(file)
            parsed_database = stored.pop(DATABASE_FIELD)
            manifest = manifest_from_fields(stored)
            if parsed_database is not None and database is not None:
                retarget_database(manifest, parsed_database, database)
            return manifest
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, KeyError):
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
        pickle.dump({**manifest_fields(result.result), DATABASE_FIELD: database}, file,
                    protocol=pickle.HIGHEST_PROTOCOL)
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


def installed_versions() -> str:
    """`dbt --version` as far as a caller needs it: the installed dbt-core and adapter versions, read from the
    package metadata. dbt's own import and check against the package index take 5-8 s, and Dagster's dbt
    resource asks once per run (it reads the first version number)."""
    from importlib.metadata import PackageNotFoundError, version

    lines = ["Core:", f"  - installed: {version('dbt-core')}", "", "Plugins:"]
    for adapter in ("duckdb", "spark"):
        try:
            lines.append(f"  - {adapter}: {version(f'dbt-{adapter}')}")
        except PackageNotFoundError:
            continue
    return "\n".join(lines)


def exit_code(result) -> int:
    """dbt's exit code for a dbtRunnerResult: 0 success, 1 a node or test failed, 2 dbt could not run."""
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments in (["--version"], ["-V"]):
        print(installed_versions())
        return 0
    return exit_code(invoke(arguments))


if __name__ == "__main__":
    sys.exit(main())
