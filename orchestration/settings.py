"""Run settings taken from the environment, with the defaults documented in the README."""

from __future__ import annotations

import codecs
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Every raw source folder of the data contract, in the order the summary prints them.
RAW_SOURCES = (
    "events",
    "orders",
    "order_items",
    "products",
    "customers",
    "tickets",
    "campaign_touches",
    "erasure_requests",
)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse lives and how DuckDB may use the machine."""

    warehouse_path: Path
    raw_dir: Path
    demo_dir: Path
    duckdb_threads: int
    duckdb_memory_limit: str
    duckdb_temp_directory: Path
    as_of_date: str
    # Activation exports (orchestration/activation_exports.py): <export_dir>/<as_of_date>/<segment_key>.csv ...
    export_dir: Path = PROJECT_DIR / "warehouse" / "exports"
    # Seed of the k-means clustering step (orchestration/person_clusters.py): same data + seed, same clusters.
    cluster_seed: int = 42
    # What BI tools read (orchestration/publication.py): a copy of the marts swapped in atomically after the
    # blocking checks of a refresh passed; never opened for writing in place.
    published_path: Path = PROJECT_DIR / "warehouse" / "published" / "profile.duckdb"
    # A partition run re-sessionizes, besides every person whose events changed, the persons active in the
    # this-many reporting days before its day (a safety margin for late corrections; 0: changes only).
    refresh_lookback_days: int = 3
    # dbt unit tests check the SQL against hand-made rows, not the data: CI runs them (the golden refresh of
    # make test sets DBT_UNIT_TESTS=1); a refresh skips them, as dbt advises for production builds.
    dbt_unit_tests: bool = False
    # The raw ingest (orchestration/raw_files.py): a longer line is quarantined as oversized_record.
    max_raw_line_bytes: int = 2**20
    # Encodings declared per raw source ((source, Python codec name), ...): SOURCE_ENCODINGS=customers=gb18030.
    source_encodings: tuple[tuple[str, str], ...] = ()

    @property
    def warehouse_dir(self) -> Path:
        return self.warehouse_path.parent

    @property
    def duckdb_config(self) -> dict[str, str | int]:
        """Connection config of the Python steps that open the warehouse: the resources dbt gets."""
        return {
            "threads": self.duckdb_threads,
            "memory_limit": self.duckdb_memory_limit,
            "temp_directory": str(self.duckdb_temp_directory),
        }


def _path_from_environment(name: str, default: str) -> Path:
    path = Path(os.environ.get(name) or default)
    return path if path.is_absolute() else PROJECT_DIR / path


def parse_source_encodings(text: str) -> tuple[tuple[str, str], ...]:
    """'customers=gb18030, orders=gbk' -> (('customers', 'gb18030'), ('orders', 'gbk')); ValueError names a
    source outside the raw contract or an encoding Python does not know."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        source, separator, encoding = (part.strip() for part in item.partition("="))
        if not separator or not source or not encoding:
            raise ValueError(f"SOURCE_ENCODINGS: {item!r} is not <source>=<encoding>")
        if source not in RAW_SOURCES:
            raise ValueError(f"SOURCE_ENCODINGS: {source!r} is not a raw source ({', '.join(RAW_SOURCES)})")
        try:
            pairs.append((source, codecs.lookup(encoding).name))
        except LookupError as error:
            raise ValueError(f"SOURCE_ENCODINGS: unknown encoding {encoding!r} for {source}") from error
    return tuple(pairs)


def _positive_int(name: str, default: int) -> int:
    value = int(os.environ.get(name) or default)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, not {value}")
    return value


def load_settings() -> Settings:
    """Read the settings from the environment (docs/orchestration.md#settings lists them)."""
    warehouse_path = _path_from_environment("WAREHOUSE_PATH", "warehouse/profile.duckdb")
    demo_dir = _path_from_environment("DEMO_DIR", "data/demo")
    return Settings(
        warehouse_path=warehouse_path,
        raw_dir=_path_from_environment("RAW_DIR", str(demo_dir / "raw")),
        demo_dir=demo_dir,
        duckdb_threads=int(os.environ.get("DUCKDB_THREADS") or 2),
        duckdb_memory_limit=os.environ.get("DUCKDB_MEMORY_LIMIT") or "8GB",
        duckdb_temp_directory=_path_from_environment(
            "DUCKDB_TEMP_DIRECTORY", str(warehouse_path.parent / "tmp")
        ),
        as_of_date=os.environ.get("AS_OF") or "",
        export_dir=_path_from_environment("EXPORT_DIR", str(warehouse_path.parent / "exports")),
        cluster_seed=int(os.environ.get("CLUSTER_SEED") or 42),
        published_path=_path_from_environment(
            "PUBLISHED_PATH", str(warehouse_path.parent / "published" / warehouse_path.name)
        ),
        refresh_lookback_days=int(os.environ.get("REFRESH_LOOKBACK_DAYS") or 3),
        dbt_unit_tests=(os.environ.get("DBT_UNIT_TESTS") or "0").lower() in ("1", "true", "yes"),
        max_raw_line_bytes=_positive_int("MAX_RAW_LINE_BYTES", 2**20),
        source_encodings=parse_source_encodings(os.environ.get("SOURCE_ENCODINGS") or ""),
    )


def export_dbt_environment(settings: Settings) -> None:
    """Make dbt (profiles.yml, dbt_project.yml) see the same absolute paths as the Python steps.

    The hashing salt is created once per warehouse folder when PII_HASH_SALT is not set, so ids stay
    stable between runs without the salt ever entering git.
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    settings.duckdb_temp_directory.mkdir(parents=True, exist_ok=True)
    os.environ["WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["DUCKDB_THREADS"] = str(settings.duckdb_threads)
    os.environ["DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    os.environ["DUCKDB_TEMP_DIRECTORY"] = str(settings.duckdb_temp_directory)
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    if not os.environ.get("PII_HASH_SALT"):
        salt_file = settings.warehouse_dir / ".pii_hash_salt"
        if not salt_file.exists():
            salt_file.write_text(secrets.token_hex(32))
            salt_file.chmod(0o600)
        os.environ["PII_HASH_SALT"] = salt_file.read_text().strip()
