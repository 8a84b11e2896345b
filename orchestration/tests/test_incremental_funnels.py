"""The funnel models build incrementally and always equal a full rebuild, whatever changed.

int_funnel_events_matched and int_funnel_attempts_folded store inputs_fingerprint per funnel and person: a
hash of everything the pair's rows are computed from. Each build's pre-hook deletes the pairs whose
fingerprint is not current and its select writes the pairs not stored with their current fingerprint.

This test builds a small generated data set (300 persons, 12 days ending N = 2026-10-31) in a copy of the
project (so it can edit a seed), in four incremental states, each compared with a --full-refresh build of
the funnel models on a copy of the same warehouse (two-way `except all` on every column, zero rows):
1. raw files up to day N-1 (the first build);
2. day N arrives, with a late page (or screen) view of a person who converted in the strict funnel
   checkout_straight_through, between their step 1 and step 2 (it breaks their strict chain and shifts
   their later person_event_number), and an identify call that puts person A's device under person B's
   user id (an identity merge: A's events move to B's person or the other way round);
3. a changed funnel definition: shoes_purchase's step 2 loses its property filter (other matches) and
   cart_to_order_kept's conversion window shrinks (the same matches, another fold);
4. changed vars: funnel_date_from and funnel_date_to (other step 1 matches, fewer events).
After every incremental build the models' own selects have nothing left to write (a re-run changes
nothing); the new day rewrites only some pairs, the definition change only the pairs of those funnels.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate
from orchestration.tests.dbt_worker import run_dbt
from orchestration.tests.refresh_helpers import (
    copy_project,
    copy_warehouse,
    day_of,
    ingest,
    read_lines,
    rows_in_one_only,
    write_lines,
)

pytestmark = pytest.mark.slow

SALT = "incremental-funnels-test-salt"
LAST_DAY = dt.date(2026, 10, 31)  # N, the generator's default end date
FUNNEL_MODELS = ("int_funnel_events_matched", "int_funnel_attempts_folded")
COMPARED_TABLES = (
    "intermediate.int_funnel_events_matched",
    "intermediate.int_funnel_attempts_folded",
    "marts.fct_person_funnel_progress",
)
SELECTION = "+fct_person_funnel_progress"
# funnel_max_steps stays: fct_person_funnel_progress's contract lists step_1_at .. step_8_at
CHANGED_VARS = (
    "--vars",
    f'{{funnel_date_from: "{LAST_DAY - dt.timedelta(days=5)}", funnel_date_to: "{LAST_DAY - dt.timedelta(days=1)}"}}',
)


def dbt(project: Path, folder: Path, warehouse: Path, command: str, *arguments: str) -> None:
    """`dbt <command>` of the project copy against warehouse (unit tests excluded: the suite runs them)."""
    environment = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DUCKDB_TEMP_DIRECTORY": str(folder / "tmp"),
        "PII_HASH_SALT": SALT,
        "DBT_PROFILES_DIR": str(project),
        "DBT_TARGET": "duckdb",
        "AS_OF": "",
        "REFRESH_FROM_DATE": "",
    }
    selection_arguments = (
        [] if command == "compile" else ["--exclude", "test_type:unit", "--indirect-selection", "cautious"]
    )
    completed = run_dbt(
        [command, *selection_arguments, "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
         *arguments],
        cwd=project, env=environment,
    )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]


def pairs_left_to_write(project: Path, folder: Path, warehouse: Path, *arguments: str) -> dict[str, int]:
    """Per funnel model, the (funnel, person) pairs its incremental select would write now: the model
    compiled against the warehouse as it stands (is_incremental), its select counted."""
    dbt(project, folder, warehouse, "compile", "--select", *FUNNEL_MODELS, *arguments)
    compiled = folder / "target" / "compiled" / "user_profile" / "models" / "intermediate" / "behavior"
    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for model in FUNNEL_MODELS:
            select = (compiled / f"{model}.sql").read_text(encoding="utf-8")
            counts[model] = connection.execute(
                f"select count(distinct (funnel_key, person_id)) from ({select}) as pairs"
            ).fetchone()[0]
    return counts


def full_refresh_copy(project: Path, folder: Path, warehouse: Path, name: str, *arguments: str) -> Path:
    """A copy of the warehouse with the funnel models (and the mart on them) rebuilt from scratch."""
    copy = copy_warehouse(warehouse, name)
    dbt(project, folder, copy, "build", "--select", *FUNNEL_MODELS, "fct_person_funnel_progress",
        "--full-refresh", *arguments)
    return copy


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def raw_line(generated_raw: Path, message_id: str) -> str:
    """The raw event line with that messageId."""
    for path in sorted((generated_raw / "events").rglob("*.jsonl.gz")):
        for line in read_lines(path):
            if f'"messageId":"{message_id}"' in line:
                return line
    raise AssertionError(f"no raw event {message_id}")


def iso_timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds") + "Z"


def late_page_view(generated_raw: Path, warehouse: Path) -> tuple[str, str]:
    """(person, raw line): a copy of a page or screen view of a person who reached step 2 or more of the
    strict funnel checkout_straight_through, timed half-way between their step 1 and step 2."""
    person_id, step_1_at, step_2_at, event_id = query(
        warehouse,
        """
        select folded.person_id, folded.step_1_at, folded.step_2_at, min(events.event_id)
        from intermediate.int_funnel_attempts_folded as folded
        inner join intermediate.int_events_sessionized as events on folded.person_id = events.person_id
        where
            folded.funnel_key = 'checkout_straight_through' and folded.max_step_reached >= 2
            and folded.step_2_at > folded.step_1_at
            and events.is_page_view and events.user_id is not null
        group by all
        order by folded.person_id limit 1
        """,
    )[0]
    call = json.loads(raw_line(generated_raw, event_id))
    moment = step_1_at + (step_2_at - step_1_at) / 2
    call |= {
        "messageId": "test-late-page-view",
        "timestamp": iso_timestamp(moment),
        "sentAt": iso_timestamp(moment + dt.timedelta(seconds=1)),
        "receivedAt": iso_timestamp(moment + dt.timedelta(seconds=2)),
    }
    return person_id, json.dumps(call, separators=(",", ":"), ensure_ascii=False)


def merging_identify(warehouse: Path) -> tuple[tuple[str, str], str]:
    """((person A, person B), raw line): an identify call on day N of B's user id on A's device, two persons
    with funnel rows (a device may hold three users: the link merges them)."""
    person_a, device_id, person_b, user_id = query(
        warehouse,
        """
        with funnel_persons as (select distinct person_id from intermediate.int_funnel_attempts_folded),
        devices as (
            select person_id, min(device_id) as device_id from intermediate.int_events_sessionized
            where device_id is not null and person_id in (select person_id from funnel_persons)
            group by person_id
        ),
        users as (
            select person_id, min(user_id) as user_id from intermediate.int_events_sessionized
            where user_id is not null and person_id in (select person_id from funnel_persons)
            group by person_id
        )
        select devices.person_id, devices.device_id, users.person_id, users.user_id
        from devices inner join users on devices.person_id < users.person_id
        order by devices.person_id desc, users.person_id desc limit 1
        """,
    )[0]
    moment = dt.datetime.combine(LAST_DAY, dt.time(3, 0))
    call = {
        "type": "identify", "messageId": "test-merge-identify", "userId": user_id,
        "context": {"device": {"id": device_id}, "os": {"name": "iOS"}, "platform": "ios"},
        "timestamp": iso_timestamp(moment), "sentAt": iso_timestamp(moment),
        "receivedAt": iso_timestamp(moment + dt.timedelta(seconds=1)),
    }
    return (person_a, person_b), json.dumps(call, separators=(",", ":"))


def copy_raw(generated_raw: Path, raw_dir: Path, days: str) -> None:
    """Copy the generated raw files of days before N ('before') or of day N ('last')."""
    for path in sorted(generated_raw.rglob("*")):
        relative = path.relative_to(generated_raw)
        if path.is_dir() or ((day_of(relative) == LAST_DAY) != (days == "last")):
            continue
        (raw_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, raw_dir / relative)


def change_funnel_definitions(project: Path) -> None:
    """shoes_purchase's step 2 without its property filter; cart_to_order_kept's window 1 day, not 7."""
    seed = project / "seeds" / "funnel_definitions.csv"
    text = seed.read_text(encoding="utf-8")
    changed = text.replace(
        "shoes_purchase,2,Added sports shoes,Product Added,category=sports_shoes,",
        "shoes_purchase,2,Added sports shoes,Product Added,,",
    ).replace("Cart to order without a removal,7 days,", "Cart to order without a removal,1 days,")
    assert changed.count("\n") == text.count("\n") and changed != text and re.search(",1 days,", changed)
    seed.write_text(changed, encoding="utf-8")


@dataclass(frozen=True)
class State:
    incremental: Path  # the incremental warehouse after this state's build (a copy)
    full: Path  # a copy of it with the funnel models rebuilt by --full-refresh
    left_to_write: dict[str, int]  # pairs each model's select would write right after the build


@dataclass(frozen=True)
class Builds:
    states: dict[str, State]
    to_write_for_new_day: dict[str, int]  # matched pairs the new day's select writes, before its build
    late_person: str
    merged_persons: tuple[str, str]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    folder = tmp_path_factory.mktemp("incremental_funnels")
    project = copy_project(folder / "project")
    generate(folder / "demo", persons=300, days=12, seed=7)
    generated, raw_dir, warehouse = folder / "demo" / "raw", folder / "raw", folder / "incremental.duckdb"
    states: dict[str, State] = {}

    def record(name: str, *arguments: str) -> None:
        left = pairs_left_to_write(project, folder, warehouse, *arguments)
        incremental = copy_warehouse(warehouse, f"{name}.duckdb")
        states[name] = State(
            incremental, full_refresh_copy(project, folder, warehouse, f"{name}_full.duckdb", *arguments), left
        )

    copy_raw(generated, raw_dir, "before")
    ingest(raw_dir, warehouse)
    dbt(project, folder, warehouse, "build", "--select", SELECTION)
    record("first")

    late_person, late_line = late_page_view(generated, warehouse)
    merged_persons, merge_line = merging_identify(warehouse)
    copy_raw(generated, raw_dir, "last")
    write_lines(raw_dir / "events" / f"date={LAST_DAY}" / "test-0000.jsonl.gz", [late_line, merge_line])
    ingest(raw_dir, warehouse)
    dbt(project, folder, warehouse, "build", "--select", "+int_events_sessionized")
    to_write_for_new_day = pairs_left_to_write(project, folder, warehouse)
    dbt(project, folder, warehouse, "build", "--select", SELECTION)
    record("new_day")

    change_funnel_definitions(project)
    dbt(project, folder, warehouse, "build", "--select", SELECTION)
    record("definitions")

    dbt(project, folder, warehouse, "build", "--select", SELECTION, *CHANGED_VARS)
    record("vars", *CHANGED_VARS)
    return Builds(states, to_write_for_new_day, late_person, merged_persons)


@pytest.mark.parametrize("state", ["first", "new_day", "definitions", "vars"])
@pytest.mark.parametrize("table", COMPARED_TABLES)
def test_incremental_build_equals_full_refresh(builds: Builds, state: str, table: str) -> None:
    assert rows_in_one_only(builds.states[state].incremental, builds.states[state].full, table) == (0, 0)


@pytest.mark.parametrize("state", ["first", "new_day", "definitions", "vars"])
def test_a_rerun_has_nothing_to_write(builds: Builds, state: str) -> None:
    assert builds.states[state].left_to_write == {model: 0 for model in FUNNEL_MODELS}


def test_the_new_day_rewrites_only_some_pairs(builds: Builds) -> None:
    (stored_pairs,) = query(
        builds.states["first"].incremental,
        "select count(distinct (funnel_key, person_id)) from intermediate.int_funnel_events_matched",
    )[0]
    assert 0 < builds.to_write_for_new_day["int_funnel_events_matched"] < stored_pairs / 2


def test_the_late_page_view_breaks_the_strict_chain(builds: Builds) -> None:
    """The scenario is exercised: the person's level in the strict funnel drops to 1."""
    levels = [
        query(
            builds.states[state].incremental,
            f"""
            select max_step_reached from intermediate.int_funnel_attempts_folded
            where funnel_key = 'checkout_straight_through' and person_id = '{builds.late_person}'
            """,
        )
        for state in ("first", "new_day")
    ]
    assert levels[0][0][0] >= 2 and levels[1] == [(1,)], levels


def test_the_identify_call_merges_two_funnel_persons(builds: Builds) -> None:
    """The scenario is exercised: the funnel events of A and B, two persons in the first build, are one
    person's after the new day."""
    person_a, person_b = builds.merged_persons
    with duckdb.connect(str(builds.states["new_day"].incremental), read_only=True) as connection:
        connection.execute(f"attach '{builds.states['first'].incremental}' as first_build (read_only)")
        before, after = connection.execute(
            f"""
            select count(distinct earlier.person_id), count(distinct now.person_id)
            from first_build.intermediate.int_funnel_events_matched as earlier
            inner join intermediate.int_funnel_events_matched as now
                on earlier.funnel_key = now.funnel_key and earlier.event_id = now.event_id
            where earlier.person_id in ('{person_a}', '{person_b}')
            """
        ).fetchone()
    assert (before, after) == (2, 1)


def test_a_changed_definition_rewrites_only_its_funnels(builds: Builds) -> None:
    """Pairs whose fingerprint changed between the new-day and the definitions state, per model: the
    matching only where the matches changed (shoes_purchase), the fold also where the window did."""
    changed = {}
    with duckdb.connect(str(builds.states["definitions"].incremental), read_only=True) as connection:
        connection.execute(f"attach '{builds.states['new_day'].incremental}' as before_change (read_only)")
        for model in FUNNEL_MODELS:
            changed[model] = {
                funnel_key
                for (funnel_key,) in connection.execute(
                    f"""
                    select distinct now.funnel_key
                    from intermediate.{model} as now
                    left join before_change.intermediate.{model} as earlier
                        on now.funnel_key = earlier.funnel_key and now.person_id = earlier.person_id
                        and now.inputs_fingerprint = earlier.inputs_fingerprint
                    where earlier.funnel_key is null
                    """
                ).fetchall()
            }
    assert changed == {
        "int_funnel_events_matched": {"shoes_purchase"},
        "int_funnel_attempts_folded": {"shoes_purchase", "cart_to_order_kept"},
    }
