"""The identity graph's convergence guard: a build whose round cap is too small must fail, loudly.

int_identifiers_resolved unrolls var identity_max_rounds rounds of min-label propagation with pointer
jumping; when the last round still changed a label the components are not final, and the model raises
an error naming the var instead of writing split persons. A dbt unit test cannot expect an error, so
this test builds the model on a scratch warehouse whose upstream tables hold one long chain (3000
identifiers, their keys scrambled along the chain), once with the cap at 2 (must fail with the message)
and once with the default cap (must succeed with one person).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.tests.refresh_helpers import build_resolved_identifiers

pytestmark = pytest.mark.slow

CHAIN_LENGTH = 3000
# Position i of the chain holds user u<(i * 1009) mod 3000>: 1009 is prime to 3000, so every value occurs
# once and neighbours on the chain are far apart in key order (harder than a chain sorted by key).
CHAIN_STRIDE = 1009


def create_chain_warehouse(path: Path) -> None:
    """The two upstream relations of int_identifiers_resolved, holding one chain of user ids."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema intermediate")
        connection.execute(
            f"""
            create table intermediate.int_identifiers_observed as
            select
                'user_id' as identifier_type,
                'u' || lpad(cast((position * {CHAIN_STRIDE}) % {CHAIN_LENGTH} as varchar), 4, '0')
                    as identifier_value,
                timestamp '2026-01-01' + to_minutes(position) as first_seen_at,
                timestamp '2026-02-01' as last_seen_at,
                cast(1 as bigint) as count_observations,
                'events' as source_names
            from range({CHAIN_LENGTH}) as positions(position)
            """
        )
        connection.execute(
            f"""
            create table intermediate.int_identifier_links_kept as
            with pairs as (
                select
                    'u' || lpad(cast((position * {CHAIN_STRIDE}) % {CHAIN_LENGTH} as varchar), 4, '0') as this_value,
                    'u' || lpad(cast(((position + 1) * {CHAIN_STRIDE}) % {CHAIN_LENGTH} as varchar), 4, '0')
                        as next_value
                from range({CHAIN_LENGTH} - 1) as positions(position)
            )
            select
                'user_id' as identifier_a_type,
                least(this_value, next_value) as identifier_a_value,
                'user_id' as identifier_b_type,
                greatest(this_value, next_value) as identifier_b_value,
                timestamp '2026-01-01' as first_seen_at,
                timestamp '2026-02-01' as last_seen_at,
                cast(1 as bigint) as count_observations,
                'events' as source_names
            from pairs
            """
        )


def build_chain(folder: Path, max_rounds: int | None) -> subprocess.CompletedProcess:
    arguments = ["--vars", f"{{identity_max_rounds: {max_rounds}}}"] if max_rounds is not None else []
    return build_resolved_identifiers(folder, folder / "chain.duckdb", arguments)


@pytest.fixture(scope="module")
def chain_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("identity_chain")
    create_chain_warehouse(folder / "chain.duckdb")
    return folder


def test_round_cap_too_small_fails_the_build(chain_folder: Path) -> None:
    completed = build_chain(chain_folder, max_rounds=2)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "did not converge within 2 rounds" in output, output
    assert "raise var identity_max_rounds" in output, output


def test_default_round_cap_resolves_the_chain_to_one_person(chain_folder: Path) -> None:
    completed = build_chain(chain_folder, max_rounds=None)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with duckdb.connect(str(chain_folder / "chain.duckdb"), read_only=True) as connection:
        count_rows, count_persons, rounds_changing_labels = connection.execute(
            """
            select count(*), count(distinct person_id), max(count_component_rounds)
            from intermediate.int_identifiers_resolved
            """
        ).fetchone()
    assert (count_rows, count_persons) == (CHAIN_LENGTH, 1)
    # a chain of n nodes needs about log2(n) rounds with pointer jumping, far below the default cap of 30
    assert rounds_changing_labels <= 20
