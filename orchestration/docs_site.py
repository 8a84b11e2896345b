"""`make docs`: build the dbt documentation site and serve it on this machine.

    python -m orchestration.docs_site [--port 8080] [--host 127.0.0.1] [--generate-only]

Runs `dbt docs generate` with the settings of a refresh (orchestration/settings.py: the same WAREHOUSE_PATH and
PII_HASH_SALT, created in warehouse/.pii_hash_salt on first use) into target/docs, so the manifest dagster-dbt
reads (target/manifest.json) is left alone, then replaces this process with `dbt docs serve` (Ctrl-C stops it).

The catalog (column types, row counts) is read from the working warehouse. Two cases get an empty catalog
(`--empty-catalog`: lineage, descriptions, tests, exposures and metrics are all there, only the warehouse's
own facts are missing; dbt then compiles against an in-memory database), each with a message saying why
and what to do:
- the warehouse file does not exist yet: `make run` builds it (minutes; not started from here);
- a refresh holds the warehouse's write lock (DuckDB admits one writing process and no reader beside it):
  run `make docs` again when it has finished.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.settings import PROJECT_DIR, export_dbt_environment, load_settings

DOCS_TARGET_PATH = PROJECT_DIR / "target" / "docs"
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"


def warehouse_unavailable_reason(warehouse_path: Path) -> str | None:
    """Why the catalog cannot be read from the warehouse (None when it can): missing file, or locked."""
    if not warehouse_path.exists():
        return (
            f"the warehouse {warehouse_path} does not exist yet: run `make run` first for a catalog with "
            "column types and row counts"
        )
    try:
        duckdb.connect(str(warehouse_path), read_only=True).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        return (
            f"the warehouse {warehouse_path} is locked by another process (a refresh, backfill or `make dev` "
            f"run): {str(error).splitlines()[0]} - run `make docs` again when it has finished"
        )
    return None


def dbt_executable() -> str:
    """The dbt of this virtual environment (beside the running Python), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def generate_arguments(empty_catalog: bool) -> list[str]:
    arguments = ["docs", "generate", "--project-dir", str(PROJECT_DIR), "--target-path", str(DOCS_TARGET_PATH)]
    return arguments + (["--empty-catalog"] if empty_catalog else [])


def serve_arguments(port: int, host: str) -> list[str]:
    return [
        "docs", "serve", "--project-dir", str(PROJECT_DIR), "--target-path", str(DOCS_TARGET_PATH),
        "--port", str(port), "--host", host, "--no-browser",
    ]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m orchestration.docs_site", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DOCS_PORT") or DEFAULT_PORT))
    parser.add_argument("--host", default=os.environ.get("DOCS_HOST") or DEFAULT_HOST,
                        help="address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)")
    parser.add_argument("--generate-only", action="store_true", help="build target/docs and do not serve it")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    settings = load_settings()
    export_dbt_environment(settings)
    reason = warehouse_unavailable_reason(settings.warehouse_path)
    if reason:
        print(f"make docs: empty catalog, because {reason}.", flush=True)
    dbt = dbt_executable()
    environment = dict(os.environ)
    if reason:
        # dbt opens its connection even for an empty catalog: an in-memory database neither creates the
        # missing warehouse file nor waits on the lock (compiling needs no data, as the lint target shows).
        environment["WAREHOUSE_PATH"] = ":memory:"
    generated = subprocess.run([dbt, *generate_arguments(empty_catalog=reason is not None)], env=environment)
    if generated.returncode != 0:
        print("make docs: `dbt docs generate` failed (its output is above).", file=sys.stderr)
        return generated.returncode
    if arguments.generate_only:
        print(f"make docs: the site is in {DOCS_TARGET_PATH} (index.html, manifest.json, catalog.json).")
        return 0
    print(f"make docs: serving on http://{arguments.host}:{arguments.port} (Ctrl-C stops it)", flush=True)
    os.execvp(dbt, [dbt, *serve_arguments(arguments.port, arguments.host)])
    return 0  # not reached: execvp replaces this process


if __name__ == "__main__":
    sys.exit(main())
