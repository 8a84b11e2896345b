"""The segment definitions (macros/segment_definitions.sql): they parse, their keys are unique, every tag they
use is in the tag catalog with a value type the operator takes, and the dbt rule compiler (compiled_segments,
segment_rule_sql) refuses bad definitions with an error naming the segment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.settings import PROJECT_DIR
from orchestration.tag_catalog import read_catalog

DEFINITIONS_PATH = PROJECT_DIR / "macros" / "segment_definitions.sql"
# The definitions YAML sits between these two Jinja statements of the macro.
DEFINITIONS_START = "{%- set definitions_yaml -%}"
DEFINITIONS_END = "{%- endset -%}"

REQUIRED_FIELDS = ("key", "name_zh", "name_en", "kind", "owner", "description")
KINDS = ("rule", "value", "cluster")
# The value types of the tags each operator takes (as macros/segment_condition_sql.sql checks them).
ALL_TYPES = ("enum", "number", "boolean", "multi_value")
OPERATOR_TYPES = {
    **dict.fromkeys(("equals", "not_equals", "in", "not_in"), ("enum", "number")),
    **dict.fromkeys(("gt", "gte", "lt", "lte", "between"), ("number",)),
    **dict.fromkeys(("is_true", "is_false"), ("boolean",)),
    **dict.fromkeys(("contains", "contains_any", "contains_all"), ("multi_value",)),
    **dict.fromkeys(("is_null", "is_not_null"), ALL_TYPES),
}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def read_definitions(path: Path = DEFINITIONS_PATH) -> list[dict[str, Any]]:
    """The segment definitions of the macro file, parsed as dbt's fromyaml parses them (PyYAML safe_load)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(DEFINITIONS_START) + len(DEFINITIONS_START)
    end = text.index(DEFINITIONS_END, start)
    return yaml.safe_load(text[start:end])


def iter_conditions(rule: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every tag condition of a rule, however deeply nested in all / any / not."""
    if "all" in rule or "any" in rule:
        for part in rule.get("all", rule.get("any")):
            yield from iter_conditions(part)
    elif "not" in rule:
        yield from iter_conditions(rule["not"])
    else:
        yield rule


def test_definitions_parse_with_unique_snake_case_keys():
    definitions = read_definitions()
    assert isinstance(definitions, list) and definitions
    keys = [definition["key"] for definition in definitions]
    assert len(keys) == len(set(keys)), "segment keys must be unique"
    # no '__' in a key: per_value segments are <key>__<value> and must never clash with a defined key
    assert [key for key in keys if not KEY_PATTERN.match(key)] == []


def test_every_definition_is_complete():
    for definition in read_definitions():
        name = definition["key"]
        assert [field for field in REQUIRED_FIELDS if not definition.get(field)] == [], name
        assert definition["kind"] in KINDS, name
        assert isinstance(definition.get("is_exportable"), bool), name
        assert ("rule" in definition) != ("per_value" in definition), f"{name}: exactly one of rule and per_value"
        if "per_value" in definition:
            assert definition["kind"] in ("value", "cluster"), name


def test_predefined_segments_cover_marketing_and_value_segments():
    definitions = read_definitions()
    rule_segments = [definition for definition in definitions if "rule" in definition]
    assert len(rule_segments) >= 8
    assert any(definition["is_exportable"] for definition in rule_segments)
    per_value_tags = {definition["per_value"] for definition in definitions if "per_value" in definition}
    assert {"rfm_segment", "value_tier", "behavior_value_cluster"} <= per_value_tags


def test_every_tag_used_is_in_the_catalog_with_a_fitting_value_type():
    value_types = {tag["tag_code"]: tag["value_type"] for tag in read_catalog()}
    problems = []
    for definition in read_definitions():
        name = definition["key"]
        if "per_value" in definition:
            tag = definition["per_value"]
            if tag not in value_types:
                # only the clustering segment may wait for its tag (skip_if_tag_missing, documented in the file)
                if not (definition.get("skip_if_tag_missing") and definition["kind"] == "cluster"):
                    problems.append(f"{name}: per_value tag {tag!r} is not in the tag catalog")
            elif value_types[tag] != "enum":
                problems.append(f"{name}: per_value tag {tag!r} is {value_types[tag]}, not enum")
            continue
        for condition in iter_conditions(definition["rule"]):
            operators = [key for key in condition if key != "tag"]
            tag = condition.get("tag")
            if len(operators) != 1 or operators[0] not in OPERATOR_TYPES:
                problems.append(f"{name}: condition {condition} needs exactly one known operator")
            elif tag not in value_types:
                problems.append(f"{name}: tag {tag!r} is not in the tag catalog")
            elif value_types[tag] not in OPERATOR_TYPES[operators[0]]:
                problems.append(f"{name}: {operators[0]} does not apply to the {value_types[tag]} tag {tag!r}")
    assert problems == []


def test_iter_conditions_walks_nested_rules():
    rule = {
        "all": [{"tag": "a", "equals": "x"}, {"not": {"any": [{"tag": "b", "gt": 1}, {"tag": "c", "is_true": True}]}}]
    }
    assert [condition["tag"] for condition in iter_conditions(rule)] == ["a", "b", "c"]


# --- the dbt compiler: one parse, then one in-process compile per bad definition (about 15 s in all) ---

def segment(rule: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A minimal valid rule segment named bad_segment, with the given rule (default city = 上海) and fields."""
    entry = {
        "key": "bad_segment", "name_zh": "测试", "name_en": "Test", "kind": "rule", "owner": "test_team",
        "is_exportable": False, "description": "A segment under test.",
        "rule": rule if rule is not None else {"tag": "city", "equals": "上海"},
    }
    entry.update(fields)
    return entry


def per_value_segment(tag: str) -> dict[str, Any]:
    """A minimal per_value segment named bad_segment on the given tag."""
    entry = segment(kind="value", per_value=tag)
    del entry["rule"]
    return entry


@pytest.fixture(scope="module")
def compile_with_definitions(tmp_path_factory):
    """compile(definitions) -> (success, message): dbt compiles int_segment_members_evaluated on the in-memory
    lint target (no warehouse) with var segment_definitions_override, reusing one parsed manifest."""
    from dbt.cli.main import dbtRunner

    folder = tmp_path_factory.mktemp("segment_compile")
    arguments = [
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target", "lint",
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"), "--quiet",
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PII_HASH_SALT", "segment-test-salt")
        parsed = dbtRunner().invoke(["parse", *arguments])
        assert parsed.success, parsed.exception
        runner = dbtRunner(manifest=parsed.result)

        def compile_definitions(definitions: list[dict[str, Any]]) -> tuple[bool, str]:
            variables = json.dumps({"segment_definitions_override": definitions, "segment_keys_under_test": None})
            result = runner.invoke(
                ["compile", *arguments, "--select", "int_segment_members_evaluated", "--vars", variables]
            )
            if result.success:
                return True, result.result.results[0].node.compiled_code
            messages = [str(result.exception)] if result.exception else []
            messages += [str(item.message) for item in getattr(result.result, "results", []) or []]
            return False, "\n".join(messages)

        yield compile_definitions


def test_compiler_accepts_a_valid_definition(compile_with_definitions):
    success, sql = compile_with_definitions([segment(rule={"tag": "city", "equals": "O'Brien"})])
    assert success, sql
    assert "'bad_segment' as segment_key" in sql
    assert "coalesce(city = 'O''Brien', false)" in sql


@pytest.mark.parametrize(
    ("definition", "error"),
    [
        (segment(rule={"tag": "no_such_tag", "equals": "x"}), "unknown tag 'no_such_tag'"),
        (segment(rule={"tag": "city", "resembles": "上海"}), "unknown operator 'resembles' on tag 'city'"),
        (segment(rule={"tag": "city", "gt": 3}), "operator 'gt' does not apply to tag 'city' of value_type enum"),
        (segment(rule={"tag": "gender", "contains": "female"}), "operator 'contains' does not apply to tag 'gender'"),
        (segment(rule={"all": []}), "all needs a non-empty list of rules"),
        (segment(rule={"tag": "age_years", "between": [30, 18]}), "takes [low, high] numbers with low <= high"),
        (segment(rule={"tag": "age_years", "equals": "30"}), "is not a number"),
        (segment(per_value="value_tier", kind="value"), "needs exactly one of rule and per_value"),
        (per_value_segment("no_such_tag"), "unknown tag 'no_such_tag'"),
        (per_value_segment("age_years"), "per_value needs an enum tag, 'age_years' is number"),
        (segment(key="Bad-Key"), "is not snake_case"),
    ],
)
def test_compiler_refuses_bad_definitions_naming_the_segment(compile_with_definitions, definition, error):
    success, message = compile_with_definitions([definition])
    assert not success
    assert error in message, message
    if definition["key"] == "bad_segment":
        assert "segment 'bad_segment'" in message, message
