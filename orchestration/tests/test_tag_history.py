"""Tag history and segment memberships over refreshes: fct_person_tag_history and fct_segment_memberships are
incremental type-2 histories dated by the analysis date (macro history_changes).

The test builds both models alone in a scratch warehouse whose upstream tables it writes by hand
(fct_person_tags, int_segment_members_evaluated, int_persons_erased), refreshes on 2026-10-24 and
2026-10-31, and checks what a user asks of a history: the tags and members on each refresh date equal what
was current on that date. Then it checks the safeguards: re-running a date changes nothing, --full-refresh
does not wipe the history, an earlier date fails without writing, an erasure request deletes the person
from both histories, and re-running a date on corrected inputs gives the history a single run would have.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_DIR
from orchestration.tag_catalog import read_catalog
from orchestration.tests.dbt_worker import run_dbt

pytestmark = pytest.mark.slow

EARLIER, LATER = "2026-10-24", "2026-10-31"


def pick_tag_codes() -> tuple[str, str, str]:
    """Three tags of the real catalog (dbt checks the segment definitions against it when it parses the
    project, so a made-up catalog would not parse): an enum and a multi-value tag that keep history, and one
    that does not (it changes every day by definition)."""
    catalog = read_catalog()
    kept_tags = [tag for tag in catalog if tag.get("keep_history", True)]
    return (
        next(tag["tag_code"] for tag in kept_tags if tag["value_type"] == "enum"),
        next(tag["tag_code"] for tag in kept_tags if tag["value_type"] == "multi_value"),
        next(tag["tag_code"] for tag in catalog if not tag.get("keep_history", True)),
    )


LEVEL, INTERESTS, DAYS_IDLE = pick_tag_codes()

# (person_id, tag_code, tag_value) current on each refresh date
TAGS_EARLIER = {
    ("p1", LEVEL, "gold"), ("p1", INTERESTS, "shoes"), ("p1", INTERESTS, "bags"), ("p1", DAYS_IDLE, "3"),
    ("p2", LEVEL, "silver"),
    ("p3", LEVEL, "gold"),
    ("p9", LEVEL, "gold"),
}
TAGS_LATER = {
    ("p1", LEVEL, "gold"), ("p1", INTERESTS, "bags"), ("p1", INTERESTS, "books"), ("p1", DAYS_IDLE, "4"),
    ("p2", LEVEL, "gold"),
    ("p9", LEVEL, "gold"),
}
# the later date again, corrected: p2 is silver after all (its closed period reopens), p1's books was a
# mistake (its new period disappears) and shoes holds (reopens)
TAGS_LATER_CORRECTED = {
    ("p1", LEVEL, "gold"), ("p1", INTERESTS, "bags"), ("p1", INTERESTS, "shoes"), ("p1", DAYS_IDLE, "4"),
    ("p2", LEVEL, "silver"),
    ("p9", LEVEL, "gold"),
}
# (segment_key, person_id)
MEMBERS_EARLIER = {("vip", "p1"), ("vip", "p2"), ("vip", "p9"), ("shanghai", "p3")}
MEMBERS_LATER = {("vip", "p1"), ("vip", "p3"), ("vip", "p9"), ("shanghai", "p3")}
ERASED_PERSON = "p9"

HISTORY_QUERY = "select * from marts.fct_person_tag_history order by all"
MEMBERSHIPS_QUERY = "select * from marts.fct_segment_memberships order by all"


def write_upstream(warehouse: Path, tags: set[tuple[str, str, str]], members: set[tuple[str, str]],
                   erased: list[str]) -> None:
    """(Re)create the three upstream relations of the two history models."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute("create schema if not exists intermediate")
        connection.execute(
            """
            create or replace table marts.fct_person_tags (
                person_id varchar, tag_code varchar, tag_value varchar, tag_number double, value_rank bigint,
                category varchar, value_type varchar, as_of_date date
            )
            """
        )
        connection.executemany(
            """
            insert into marts.fct_person_tags
            select ?, ?, ?, case when ? then cast(? as double) end, 1, null, null, null
            """,
            [(person, tag, value, tag == DAYS_IDLE, value) for person, tag, value in sorted(tags)],
        )
        connection.execute(
            "create or replace table intermediate.int_segment_members_evaluated "
            "(segment_key varchar, person_id varchar)"
        )
        connection.executemany("insert into intermediate.int_segment_members_evaluated values (?, ?)", sorted(members))
        connection.execute(
            """
            create or replace table intermediate.int_persons_erased (
                person_id varchar, request_id varchar, requested_at timestamp
            )
            """
        )
        for person in erased:
            connection.execute(
                "insert into intermediate.int_persons_erased values (?, 'r1', timestamp '2026-10-30 09:00:00')",
                [person],
            )


def refresh(folder: Path, warehouse: Path, as_of: str, full_refresh: bool = False) -> subprocess.CompletedProcess:
    """`dbt build` of the two history models alone at analysis date as_of, with their data tests."""
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"),
        "PII_HASH_SALT": "tag-history-test-salt",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
    }
    command = [
        "build",
        "--select", "fct_person_tag_history", "fct_segment_memberships", "--indirect-selection", "cautious",
        "--exclude", "test_type:unit",
        "--vars", json.dumps({"as_of_date": as_of}),
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        *(["--full-refresh"] if full_refresh else []),
    ]
    return run_dbt(command, cwd=PROJECT_DIR, env=environment, timeout=600)


def refresh_successfully(folder: Path, warehouse: Path, as_of: str, full_refresh: bool = False) -> None:
    completed = refresh(folder, warehouse, as_of, full_refresh)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def rows(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def tags_on(warehouse: Path, day: str) -> set[tuple[str, str, str]]:
    """The question a user asks: every person's tags on a past refresh date."""
    return set(rows(
        warehouse,
        """
        select person_id, tag_code, tag_value from marts.fct_person_tag_history
        where valid_from <= cast(? as date) and (valid_to is null or valid_to > cast(? as date))
        """,
        [day, day],
    ))


def members_on(warehouse: Path, day: str) -> set[tuple[str, str]]:
    return set(rows(
        warehouse,
        """
        select segment_key, person_id from marts.fct_segment_memberships
        where valid_from <= cast(? as date) and (valid_to is null or valid_to > cast(? as date))
        """,
        [day, day],
    ))


def held_on(period_rows: list[tuple], day: str, key_length: int) -> set[tuple]:
    """The keys (the first key_length columns) of the history rows (..., valid_from, valid_to, is_current)
    that held on day."""
    on = date.fromisoformat(day)
    return {
        row[:key_length] for row in period_rows
        if row[-3] <= on and (row[-2] is None or row[-2] > on)
    }


def kept(tags: set[tuple[str, str, str]], without: str | None = None) -> set[tuple[str, str, str]]:
    """The tags history keeps (not DAYS_IDLE), optionally without one person's."""
    return {row for row in tags if row[1] != DAYS_IDLE and row[0] != without}


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    """Refreshes on the earlier and the later date, then the safeguards; what each step left behind."""
    folder = tmp_path_factory.mktemp("tag_history")
    warehouse = folder / "history.duckdb"
    seen: dict = {"warehouse": warehouse}

    write_upstream(warehouse, TAGS_EARLIER, MEMBERS_EARLIER, [])
    refresh_successfully(folder, warehouse, EARLIER)
    seen["tags_after_first"] = tags_on(warehouse, EARLIER)
    seen["members_after_first"] = members_on(warehouse, EARLIER)

    write_upstream(warehouse, TAGS_LATER, MEMBERS_LATER, [])
    refresh_successfully(folder, warehouse, LATER)
    seen["after_second"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))

    refresh_successfully(folder, warehouse, LATER)
    seen["after_rerun"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))

    refresh_successfully(folder, warehouse, LATER, full_refresh=True)
    seen["after_full_refresh"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))

    seen["earlier_date_run"] = refresh(folder, warehouse, EARLIER)
    seen["after_earlier_date_run"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))

    write_upstream(warehouse, TAGS_LATER - {t for t in TAGS_LATER if t[0] == ERASED_PERSON},
                   MEMBERS_LATER - {m for m in MEMBERS_LATER if m[1] == ERASED_PERSON}, [ERASED_PERSON])
    refresh_successfully(folder, warehouse, LATER)
    seen["after_erasure"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))

    # the later date once more, on corrected inputs; compared with a history that only saw the correction
    write_upstream(warehouse, {t for t in TAGS_LATER_CORRECTED if t[0] != ERASED_PERSON},
                   MEMBERS_EARLIER - {m for m in MEMBERS_EARLIER if m[1] == ERASED_PERSON}, [ERASED_PERSON])
    refresh_successfully(folder, warehouse, LATER)
    single = folder / "single.duckdb"
    write_upstream(single, TAGS_EARLIER, MEMBERS_EARLIER, [ERASED_PERSON])
    refresh_successfully(folder, single, EARLIER)
    write_upstream(single, {t for t in TAGS_LATER_CORRECTED if t[0] != ERASED_PERSON},
                   MEMBERS_EARLIER - {m for m in MEMBERS_EARLIER if m[1] == ERASED_PERSON}, [ERASED_PERSON])
    refresh_successfully(folder, single, LATER)
    seen["after_correction"] = (rows(warehouse, HISTORY_QUERY), rows(warehouse, MEMBERSHIPS_QUERY))
    seen["single_run_with_correction"] = (rows(single, HISTORY_QUERY), rows(single, MEMBERSHIPS_QUERY))
    return seen


def test_first_refresh_holds_the_current_tags_and_members(history: dict) -> None:
    assert history["tags_after_first"] == kept(TAGS_EARLIER)
    assert history["members_after_first"] == MEMBERS_EARLIER


def test_tags_and_members_on_each_refresh_date_equal_what_was_current_then(history: dict) -> None:
    """After two refreshes, the history answers for the earlier date what fct_person_tags held then."""
    tag_rows, membership_rows = history["after_second"]
    assert held_on(tag_rows, EARLIER, key_length=3) == kept(TAGS_EARLIER)
    assert held_on(tag_rows, LATER, key_length=3) == kept(TAGS_LATER)
    assert held_on(membership_rows, EARLIER, key_length=2) == MEMBERS_EARLIER
    assert held_on(membership_rows, LATER, key_length=2) == MEMBERS_LATER
    # a value that changed has two periods, the first closed on the later date
    earlier, later = date.fromisoformat(EARLIER), date.fromisoformat(LATER)
    assert sorted(row[2:] for row in tag_rows if row[:2] == ("p2", LEVEL)) == [
        ("gold", None, later, None, True), ("silver", None, earlier, later, False),
    ]
    assert all(is_current == (valid_to is None) for *_, valid_to, is_current in tag_rows)


def test_rerun_of_the_same_date_and_full_refresh_change_nothing(history: dict) -> None:
    assert history["after_rerun"] == history["after_second"]
    assert history["after_full_refresh"] == history["after_second"]


def test_refresh_of_an_earlier_date_fails_without_writing(history: dict) -> None:
    completed = history["earlier_date_run"]
    assert completed.returncode != 0
    assert "already records the refresh date 2026-10-31, later than the analysis date 2026-10-24" in completed.stdout
    assert history["after_earlier_date_run"] == history["after_second"]


def test_erasure_request_deletes_the_person_from_both_histories(history: dict) -> None:
    tag_rows, membership_rows = history["after_erasure"]
    assert ERASED_PERSON not in {row[0] for row in tag_rows}
    assert ERASED_PERSON not in {row[1] for row in membership_rows}
    before_tags, before_members = history["after_second"]
    assert tag_rows == [row for row in before_tags if row[0] != ERASED_PERSON]
    assert membership_rows == [row for row in before_members if row[1] != ERASED_PERSON]


def test_rerun_on_corrected_inputs_equals_a_single_run(history: dict) -> None:
    assert history["after_correction"] == history["single_run_with_correction"]
    tag_rows, _ = history["after_correction"]
    # no empty period is left behind (books opened and dropped on the same date)
    assert all(valid_to is None or valid_to > valid_from for *_, valid_from, valid_to, _ in tag_rows)
