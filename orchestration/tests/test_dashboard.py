"""The dashboard (dashboard/): its segment preview rules, its labels, its queries on the demo publication, and an
end-to-end check in headless Chromium (Debian's chromium, driven by Playwright) of every page in both languages.

The end-to-end test serves the dashboard on a copy of the demo refresh's published file alone, in a folder of its
own: a page that read anything but the published marts would fail there.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from dashboard import queries, segment_preview
from dashboard.browser_check import (
    CHROMIUM_PATH,
    chart_values,
    check_dashboard,
    check_page,
    chromium_page,
    running_dashboard,
    wait_for_charts,
    wait_until_idle,
)
from dashboard.labels import LABELS, VALUE_LABELS, label
from dashboard.pages import PAGES
from dashboard.segment_preview import RuleError, compile_rule
from orchestration.tests.test_segments import read_definitions

DASHBOARD_DIR = Path(__file__).resolve().parents[2] / "dashboard"

# --- the segment preview on a hand-made profile table ----------------------------------------------------------

TAG_TYPES = {"city": "enum", "age_years": "number", "is_member": "boolean", "top_bought_categories": "multi_value"}
PROFILES = [
    # person_id, city, age_years, is_member, top_bought_categories
    ("p1", "上海", 25.0, True, "sports_shoes,bags"),
    ("p2", "北京", 40.0, False, "shoes"),
    ("p3", None, None, None, None),
    ("p4", "上海", 30.0, True, "bags,sports_shoes_kids"),
]


@pytest.fixture(scope="module")
def profiles_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("preview") / "published.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.dim_tag_catalog (tag_code varchar, value_type varchar)")
        connection.executemany("insert into marts.dim_tag_catalog values (?, ?)", list(TAG_TYPES.items()))
        connection.execute(
            "create table marts.dim_person_profiles (person_id varchar, city varchar, age_years double, "
            "is_member boolean, top_bought_categories varchar)"
        )
        connection.executemany("insert into marts.dim_person_profiles values (?, ?, ?, ?, ?)", PROFILES)
    return path


def members(rule, path: Path) -> set[str]:
    compiled = compile_rule(rule, TAG_TYPES)
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            f"select person_id from marts.dim_person_profiles where {compiled.sql}", list(compiled.parameters)
        ).fetchall()
    return {row[0] for row in rows}


# Expected members worked out by hand from PROFILES: a missing value matches nothing but is_null (not_equals and
# not_in included), `not` keeps the persons without a value, contains matches whole values only.
@pytest.mark.parametrize(("rule", "expected"), [
    ({"tag": "city", "equals": "上海"}, {"p1", "p4"}),
    ({"tag": "city", "not_equals": "上海"}, {"p2"}),
    ({"not": {"tag": "city", "equals": "上海"}}, {"p2", "p3"}),
    ({"tag": "city", "in": ["北京", "广州"]}, {"p2"}),
    ({"tag": "city", "not_in": ["上海", "北京"]}, set()),
    ({"tag": "age_years", "between": [25, 30]}, {"p1", "p4"}),
    ({"tag": "age_years", "gt": 30}, {"p2"}),
    ({"tag": "age_years", "lte": 25}, {"p1"}),
    ({"tag": "age_years", "equals": 40}, {"p2"}),
    ({"tag": "is_member", "is_true": True}, {"p1", "p4"}),
    ({"tag": "is_member", "is_false": True}, {"p2"}),
    ({"tag": "is_member", "is_null": True}, {"p3"}),
    ({"tag": "city", "is_not_null": True}, {"p1", "p2", "p4"}),
    ({"tag": "top_bought_categories", "contains": "shoes"}, {"p2"}),
    ({"tag": "top_bought_categories", "contains_any": ["shoes", "bags"]}, {"p1", "p2", "p4"}),
    ({"tag": "top_bought_categories", "contains_all": ["sports_shoes", "bags"]}, {"p1"}),
    ({"any": [{"tag": "city", "equals": "北京"}, {"tag": "age_years", "lte": 25}]}, {"p1", "p2"}),
    ({"all": [{"tag": "city", "equals": "上海"},
              {"not": {"tag": "top_bought_categories", "contains": "sports_shoes"}}]}, {"p4"}),
    ({"tag": "city", "equals": "上海' or 1 = 1 --"}, set()),
])
def test_preview_rules_match_the_hand_worked_members(profiles_path, rule, expected):
    assert members(rule, profiles_path) == expected


def test_preview_counts_members_out_of_every_profile(profiles_path):
    rule = {"all": [{"tag": "is_member", "is_true": True}, {"tag": "age_years", "gte": 30}]}
    assert segment_preview.preview(rule, path=profiles_path) == {"members": 1, "persons": 4, "share": 0.25}
    assert segment_preview.members_by_tag({"tag": "is_member", "is_true": True}, "city", path=profiles_path) == [
        ("上海", 2)
    ]


@pytest.mark.parametrize(("rule", "error"), [
    ({"tag": "shoe_size", "equals": "42"}, "unknown tag"),
    ({"tag": "city", "gt": 3}, "does not apply"),
    ({"tag": "city", "equals": "上海", "in": ["北京"]}, "exactly one operator"),
    ({"tag": "city", "like": "上%"}, "unknown operator"),
    ({"tag": "age_years", "between": [30, 25]}, "low <= high"),
    ({"tag": "age_years", "equals": "30"}, "not a number"),
    ({"tag": "city", "in": []}, "non-empty list"),
    ({"tag": "city", "in": "上海"}, "non-empty list"),
    ({"tag": "is_member", "is_true": False}, "operand true"),
    ({"tag": "top_bought_categories", "contains": "bags,shoes"}, "comma"),
    ({"all": []}, "non-empty list"),
    ({"all": [{"tag": "city", "equals": "上海"}], "any": []}, "holds nothing else"),
    (["city"], "must be a mapping"),
])
def test_preview_refuses_rules_the_segment_compiler_refuses(rule, error):
    with pytest.raises(RuleError, match=error):
        compile_rule(rule, TAG_TYPES)


def test_operators_offered_per_value_type():
    assert segment_preview.operators_for("boolean") == ["is_true", "is_false", "is_null", "is_not_null"]
    assert "contains_all" in segment_preview.operators_for("multi_value")
    assert "gt" not in segment_preview.operators_for("enum")


def test_definition_yaml_is_an_entry_the_segment_catalog_reads():
    rule = {"all": [{"tag": "city", "equals": "上海"}, {"tag": "age_years", "between": [20, 30]}]}
    text = segment_preview.definition_yaml("shanghai_twenties", "上海20多岁", "Shanghai in their twenties", rule, "x")
    entry = yaml.safe_load(text)[0]
    assert entry["key"] == "shanghai_twenties" and entry["kind"] == "rule" and entry["rule"] == rule


# --- labels -----------------------------------------------------------------------------------------------------


def used_label_keys() -> set[str]:
    """Every literal key the dashboard's code passes to label(...) (a key missing from LABELS would crash a page)."""
    keys = set()
    for path in DASHBOARD_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "label"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                keys.add(node.args[0].value)
    return keys


def test_every_label_used_has_both_languages():
    keys = used_label_keys() | {page.title_key for page in PAGES} | {page.section_key for page in PAGES}
    assert len(keys) > 50
    assert keys <= set(LABELS), sorted(keys - set(LABELS))
    for key, (english, chinese) in {**LABELS, **VALUE_LABELS}.items():
        assert english.strip() and chinese.strip(), key
    assert label("chart_tag_distribution", "zh", tag="性别") == "性别 分布"


# --- the demo publication ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_copy(demo_warehouse, tmp_path_factory) -> Path:
    """The demo refresh's published file alone, copied into an empty folder."""
    source = demo_warehouse.path.parent / "published" / demo_warehouse.path.name
    assert source.exists(), f"the demo refresh published nothing at {source}"
    target = tmp_path_factory.mktemp("published_only") / "profile.duckdb"
    shutil.copyfile(source, target)
    return target


def test_preview_of_every_rule_segment_equals_its_size_in_the_marts(published_copy):
    """The builder compiles a rule as dbt compiles a saved segment: same members, for every rule segment."""
    sizes = dict(queries.query("select segment_key, count_members from marts.dim_segments", path=published_copy)
                 .itertuples(index=False, name=None))
    tag_types = segment_preview.published_tag_types(published_copy)
    rule_segments = [entry for entry in read_definitions() if entry.get("kind") == "rule"]
    assert len(rule_segments) >= 10
    for entry in rule_segments:
        size = segment_preview.preview(entry["rule"], path=published_copy, tag_types=tag_types)["members"]
        assert size == sizes[entry["key"]], entry["key"]


def test_page_queries_return_data_on_the_demo_publication(published_copy):
    as_of = queries.query("select as_of_date from _publication.publication", path=published_copy)["as_of_date"][0]
    as_of = as_of.date() if hasattr(as_of, "date") else as_of
    person = queries.sample_persons(path=published_copy)["person_id"][0]
    frames = {
        "headline_activity": queries.headline_activity(as_of, published_copy),
        "headline_orders": queries.headline_orders(as_of, path=published_copy),
        "daily_active_persons": queries.daily_active_persons(as_of, path=published_copy),
        "daily_revenue": queries.daily_revenue(as_of, path=published_copy),
        "funnel_steps": queries.funnel_steps("purchase", "platform", published_copy),
        "retention_cohorts": queries.retention_cohorts("month", "on_or_after", published_copy),
        "lifecycle_periods": queries.lifecycle_periods("day", as_of, published_copy),
        "rfm_grid": queries.rfm_grid(published_copy),
        "tag_distribution": queries.tag_distribution("gender", "coupon_hunters", published_copy),
        "person_tags": queries.person_tags(person, published_copy),
        "person_identifiers": queries.person_identifiers(person, published_copy),
    }
    assert {name for name, frame in frames.items() if frame.empty} == set()
    # a two-day headline, and a retention window of at most 12 monthly periods
    assert len(frames["headline_activity"]) == 2
    assert frames["retention_cohorts"]["period_number"].max() <= queries.RETENTION_WINDOW["month"]


def test_tag_distribution_counts_every_person_in_scope_once(published_copy):
    """An enum tag: value counts plus the persons without a value equal the scope (everyone, or a segment)."""
    everyone = queries.tag_distribution("gender", None, published_copy)["persons"].sum()
    assert everyone == queries.count_profiles(published_copy)
    members = queries.query(
        "select count_members from marts.dim_segments where segment_key = 'coupon_hunters'", path=published_copy
    )["count_members"][0]
    assert queries.tag_distribution("gender", "coupon_hunters", published_copy)["persons"].sum() == members


@pytest.fixture(scope="module")
def dashboard_url(published_copy):
    assert Path(CHROMIUM_PATH).exists(), (
        f"no Chromium at {CHROMIUM_PATH}: `make test` installs Debian's chromium package (make browser)"
    )
    with running_dashboard(published_copy) as url:
        yield url


def test_every_page_renders_its_charts_with_data_in_both_languages(dashboard_url, tmp_path):
    results = check_dashboard(dashboard_url, ("en", "zh"), screenshot_dir=tmp_path)
    assert len(results) == 2 * len(PAGES)
    failures = {f"{result.lang} /{result.url_path}": result.problems for result in results if not result.ok}
    assert not failures
    assert all(result.screenshot and result.screenshot.stat().st_size > 10_000 for result in results)


def test_tag_explorer_filtered_by_a_segment_counts_its_members(dashboard_url, published_copy):
    """?tag=gender&segment=coupon_hunters: the bars (values and no value) add up to the segment's size."""
    tags_page = next(page for page in PAGES if page.url_path == "tags")
    members = queries.query(
        "select count_members from marts.dim_segments where segment_key = 'coupon_hunters'", path=published_copy
    )["count_members"][0]
    person = queries.sample_persons(path=published_copy)["person_id"][3]
    person_page = next(page for page in PAGES if page.url_path == "person")
    with chromium_page() as browser_page:
        result = check_page(browser_page, dashboard_url, tags_page, "en", query="tag=gender&segment=coupon_hunters")
        assert result.ok, result.problems
        assert sum(chart_values(browser_page, "tag_distribution")) == members
        result = check_page(browser_page, dashboard_url, person_page, "zh", query=f"person_id={person}")
        assert result.ok, result.problems
        assert browser_page.get_by_role("heading", name=person).count() == 1


def test_segment_builder_reacts_to_its_widgets_and_the_language_switch(dashboard_url):
    """Two conditions A and B: 'all' draws |A|, |B|, |A and B|; switching to 'any' draws |A or B| =
    |A| + |B| - |A and B|; a third condition adds a bar; switching to Chinese keeps the rule and the URL says so."""
    with chromium_page() as browser_page:
        browser_page.goto(f"{dashboard_url}/segment_builder")
        wait_until_idle(browser_page)
        wait_for_charts(browser_page, ("condition_sizes",))
        first, second, both = chart_values(browser_page, "condition_sizes")
        assert 0 < both < min(first, second)

        def bars_once(action, done) -> list[float]:
            """Do the action, then wait (up to 30 s) until the redrawn bars satisfy done(bars); return them."""
            action()
            for _ in range(150):
                browser_page.wait_for_timeout(200)
                if done(chart_values(browser_page, "condition_sizes")):
                    wait_until_idle(browser_page)
                    return chart_values(browser_page, "condition_sizes")
            return chart_values(browser_page, "condition_sizes")

        # the rerun redraws the same three bars, the last one with the union
        any_values = bars_once(lambda: browser_page.get_by_text(label("combine_any", "en")).click(),
                               lambda bars: len(bars) == 3 and bars[2] != both)
        assert any_values == [first, second, first + second - both]
        four = bars_once(lambda: browser_page.locator('[data-testid="stNumberInputStepUp"]').first.click(),
                         lambda bars: len(bars) == 4)
        assert len(four) == 4, "a third condition did not add a bar"
        browser_page.get_by_text("中文").click()
        browser_page.wait_for_function(
            f"() => document.querySelector('h1')?.innerText === {label('page_segment_builder', 'zh')!r}",
            timeout=30_000,
        )
        wait_until_idle(browser_page)
        wait_for_charts(browser_page, ("condition_sizes",))
        assert len(chart_values(browser_page, "condition_sizes")) == 4
        assert browser_page.url.endswith("?lang=zh")
        assert browser_page.locator('[data-testid="stException"]').count() == 0
