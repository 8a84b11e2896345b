"""Deterministic demo data: a Chinese consumer retailer's raw files plus the ground truth to score them.

    from orchestration.demo_data import generate
    summary = generate("data/demo", persons=4000, days=90, end_date="2026-10-31", seed=42)

writes data/demo/raw/ (the raw data contract) and data/demo/truth/ (what really happened).
"""

from orchestration.demo_data.generator import (
    DEFAULT_DAYS,
    DEFAULT_END_DATE,
    DEFAULT_PERSONS,
    DEFAULT_SEED,
    generate,
)

__all__ = ["DEFAULT_DAYS", "DEFAULT_END_DATE", "DEFAULT_PERSONS", "DEFAULT_SEED", "generate"]
