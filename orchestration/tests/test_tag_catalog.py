"""The tag catalog (macros/tag_catalog.sql): valid, and in sync with the contract of dim_person_profiles and
the tag table of docs/tags.md."""

import copy
from pathlib import Path

import pytest
import yaml

from orchestration.tag_catalog import (
    CATEGORIES,
    COLUMNS_END,
    COLUMNS_START,
    PROFILES_YAML_PATH,
    describe_rule,
    find_catalog_problems,
    find_stale_files,
    read_catalog,
    render_profile_columns,
    render_tag_table,
    write_generated_files,
)

SMALL_CATALOG = [
    {
        "tag_code": "age_band",
        "name_zh": "年龄段",
        "name_en": "Age band",
        "category": "demographic",
        "value_type": "enum",
        "owner": "crm_team",
        "refresh_frequency": "weekly",
        "description": "Age group.",
        "tiers": [{"value": "under_18", "when": "age_years < 18"}, {"value": "18_plus", "when": "age_years >= 18"}],
    },
    {
        "tag_code": "predicted_clv",
        "name_zh": "预测客户价值",
        "name_en": "Predicted value",
        "category": "value",
        "value_type": "number",
        "owner": "value_team",
        "refresh_frequency": "weekly",
        "description": "Expected   spend.",
        "expression": "predicted_clv",
    },
    {
        "tag_code": "is_member",
        "name_zh": "会员",
        "name_en": "Is a member",
        "category": "demographic",
        "value_type": "boolean",
        "owner": "crm_team",
        "refresh_frequency": "daily",
        "description": "Has a CRM record.",
        "expression": "is_member",
    },
    {
        "tag_code": "top_brands",
        "name_zh": "品牌",
        "name_en": "Top brands",
        "category": "interest",
        "value_type": "multi_value",
        "owner": "merchandising_team",
        "refresh_frequency": "daily",
        "description": "Brands.",
        "list": "bought_brands",
        "max_values": 3,
    },
]


def test_committed_generated_files_match_the_catalog():
    """Fails when a tag was added or changed without `python -m orchestration.tag_catalog`."""
    assert find_stale_files(read_catalog()) == [], "run python -m orchestration.tag_catalog"


def test_catalog_is_valid():
    catalog = read_catalog()
    assert find_catalog_problems(catalog) == []
    assert len(catalog) >= 40
    assert {tag["category"] for tag in catalog} == set(CATEGORIES)
    codes = [tag["tag_code"] for tag in catalog]
    assert len(codes) == len(set(codes))
    assert all(sum(kind in tag for kind in ("expression", "tiers", "list")) == 1 for tag in catalog)


def test_profile_yaml_declares_every_tag_in_catalog_order():
    model = yaml.safe_load(PROFILES_YAML_PATH.read_text(encoding="utf-8"))["models"][0]
    names = [column["name"] for column in model["columns"]]
    assert names == ["person_id", "as_of_date"] + [tag["tag_code"] for tag in read_catalog()]
    assert model["config"]["contract"]["enforced"] is True


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"category": "hobby"}, "unknown category 'hobby'"),
        ({"value_type": "text"}, "unknown value_type 'text'"),
        ({"expression": "age_years"}, "needs exactly one rule"),
        ({"tiers": [{"value": "young"}]}, "tier 1 has no when condition"),
        ({"tiers": [{"value": 1824, "when": "age_years < 25"}]}, "tier 1 value 1824 is not text"),
        ({"value_type": "multi_value"}, "multi_value tags need a list rule"),
    ],
)
def test_find_catalog_problems_names_the_tag(change, problem):
    catalog = copy.deepcopy(SMALL_CATALOG)
    catalog[0].update(change)
    problems = find_catalog_problems(catalog)
    assert any(text.startswith("tag 'age_band'") and problem in text for text in problems), problems


def test_find_catalog_problems_reports_duplicate_codes_and_list_limits():
    catalog = copy.deepcopy(SMALL_CATALOG) + [copy.deepcopy(SMALL_CATALOG[1])]
    catalog[3]["max_values"] = 0
    problems = find_catalog_problems(catalog)
    assert "tag 'predicted_clv': tag_code used twice" in problems
    assert "tag 'top_brands': a list rule needs a positive max_values" in problems


def test_render_profile_columns():
    columns = render_profile_columns(SMALL_CATALOG)
    assert [(column["name"], column["data_type"]) for column in columns] == [
        ("person_id", "string"),
        ("as_of_date", "date"),
        ("age_band", "string"),
        ("predicted_clv", "double"),
        ("is_member", "boolean"),
        ("top_brands", "string"),
    ]
    assert columns[3]["description"] == "Predicted value (预测客户价值, value). Expected spend."
    assert columns[5]["description"].endswith("Values joined with ',' strongest first.")


def test_adding_a_tag_adds_a_documented_column(tmp_path: Path):
    """Adding a tag is one catalog entry: regenerating the YAML gives its contract column."""
    catalog_path = tmp_path / "tag_catalog.sql"
    entries = yaml.safe_dump(SMALL_CATALOG[:1], allow_unicode=True, sort_keys=False)
    catalog_path.write_text("{%- set catalog_yaml -%}\n" + entries + "{%- endset -%}\n", encoding="utf-8")
    yaml_path = tmp_path / "dim_person_profiles.yml"
    yaml_path.write_text(
        "version: 2\n\nmodels:\n  - name: dim_person_profiles\n    columns:\n"
        f"{COLUMNS_START}\n{COLUMNS_END}\n\nunit_tests: []\n",
        encoding="utf-8",
    )
    assert write_generated_files(catalog_path, yaml_path, docs_path=None) == [yaml_path]
    assert write_generated_files(catalog_path, yaml_path, docs_path=None) == []

    catalog_path.write_text(
        "{%- set catalog_yaml -%}\n"
        + yaml.safe_dump(SMALL_CATALOG, allow_unicode=True, sort_keys=False)
        + "{%- endset -%}\n",
        encoding="utf-8",
    )
    assert write_generated_files(catalog_path, yaml_path, docs_path=None) == [yaml_path]
    document = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    columns = {column["name"]: column for column in document["models"][0]["columns"]}
    assert columns["is_member"] == {
        "name": "is_member",
        "description": "Is a member (会员, demographic). Has a CRM record.",
        "data_type": "boolean",
    }
    assert document["unit_tests"] == []


def test_render_tag_table_describes_each_rule_kind():
    table = render_tag_table(SMALL_CATALOG).splitlines()
    assert len(table) == 2 + 2 + len(SMALL_CATALOG)
    assert describe_rule(SMALL_CATALOG[0]) == "under_18: `age_years < 18`; 18_plus: `age_years >= 18`"
    assert describe_rule({**SMALL_CATALOG[0], "else": "unknown"}).endswith("; else unknown")
    assert describe_rule(SMALL_CATALOG[1]) == "`predicted_clv`"
    assert describe_rule(SMALL_CATALOG[3]) == "top 3 of list `bought_brands`"
    assert table[3].startswith("| `age_band` | 年龄段 / Age band | demographic | enum | Age group. |")
