"""The segment builder's preview: a segment rule compiled to SQL over marts.dim_person_profiles, counted.

A rule has the shape of an entry's `rule:` in macros/segment_definitions.sql - `all: [rules]`, `any: [rules]`,
`not: rule`, or a tag condition `{tag: <tag_code>, <operator>: <operand>}` - and compiles exactly as dbt
compiles a saved segment (macros/segment_rule_sql.sql, macros/segment_condition_sql.sql): the same operators,
the same value types per operator, the same null semantics (a person without a value matches no condition
but is_null, so every condition is true or false and `not` keeps them), whole-value matching on multi-value
tags. orchestration/tests/test_dashboard.py checks it: every rule segment of the catalog previews to the size
dbt gave it. Operands are bound as parameters and tag codes checked against the published tag catalog, so a
rule typed in the browser can never inject SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dashboard.published import query

ALL_TYPES = ("enum", "number", "boolean", "multi_value")
# Operator -> the value types of the tags it takes (macros/segment_condition_sql.sql).
OPERATOR_TYPES: dict[str, tuple[str, ...]] = {
    "equals": ("enum", "number"),
    "not_equals": ("enum", "number"),
    "in": ("enum", "number"),
    "not_in": ("enum", "number"),
    "gt": ("number",),
    "gte": ("number",),
    "lt": ("number",),
    "lte": ("number",),
    "between": ("number",),
    "is_true": ("boolean",),
    "is_false": ("boolean",),
    "contains": ("multi_value",),
    "contains_any": ("multi_value",),
    "contains_all": ("multi_value",),
    "is_null": ALL_TYPES,
    "is_not_null": ALL_TYPES,
}
COMPARISONS = {"equals": "=", "not_equals": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
FLAG_OPERATORS = ("is_true", "is_false", "is_null", "is_not_null")
LIST_OPERATORS = ("in", "not_in", "between", "contains_any", "contains_all")


class RuleError(ValueError):
    """A rule the segment compiler would refuse; the message says why, as dbt's compiler error does."""


@dataclass(frozen=True)
class CompiledRule:
    sql: str
    parameters: tuple[Any, ...]


def operators_for(value_type: str) -> list[str]:
    """The operators that apply to a tag of this value type, in the catalog's order."""
    return [operator for operator, types in OPERATOR_TYPES.items() if value_type in types]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _column(tag: str) -> str:
    return '"' + tag + '"'


def compile_condition(condition: Mapping[str, Any], tag_types: Mapping[str, str]) -> CompiledRule:
    """One tag condition as a never-null SQL boolean over dim_person_profiles' columns."""
    tag = condition.get("tag")
    if not isinstance(tag, str) or tag not in tag_types:
        raise RuleError(f"unknown tag {tag!r} (not in the tag catalog)")
    operators = [key for key in condition if key != "tag"]
    unknown = [operator for operator in operators if operator not in OPERATOR_TYPES]
    if unknown:
        raise RuleError(f"unknown operator {unknown[0]!r} on tag {tag!r}")
    if len(operators) != 1:
        raise RuleError(f"a condition on tag {tag!r} needs exactly one operator, has {', '.join(operators) or 'none'}")
    operator = operators[0]
    operand = condition[operator]
    value_type = tag_types[tag]
    if value_type not in OPERATOR_TYPES[operator]:
        raise RuleError(f"operator {operator!r} does not apply to tag {tag!r} of value_type {value_type}")
    column = _column(tag)
    if operator in FLAG_OPERATORS:
        if operand is not True:
            raise RuleError(f"operator {operator!r} on tag {tag!r} takes the operand true, got {operand!r}")
        sql = {
            "is_true": f"coalesce({column}, false)",
            "is_false": f"coalesce(not {column}, false)",
            "is_null": f"{column} is null",
            "is_not_null": f"{column} is not null",
        }[operator]
        return CompiledRule(sql, ())
    is_list = operator in LIST_OPERATORS
    if is_list and (isinstance(operand, (str, Mapping)) or not isinstance(operand, Sequence) or not operand):
        raise RuleError(f"operator {operator!r} on tag {tag!r} takes a non-empty list, got {operand!r}")
    operands = list(operand) if is_list else [operand]
    for value in operands:
        if value_type == "number" and not _is_number(value):
            raise RuleError(f"tag {tag!r} is a number tag, operand {value!r} is not a number")
        if value_type in ("enum", "multi_value") and not isinstance(value, str):
            raise RuleError(f"tag {tag!r} holds text, operand {value!r} is not text")
        if operator.startswith("contains") and "," in value:
            raise RuleError(f"operand {value!r} holds a comma, which separates the values")
    if operator == "between" and (len(operands) != 2 or operands[0] > operands[1]):
        raise RuleError(f"between on tag {tag!r} takes [low, high] with low <= high, got {operand!r}")
    placeholders = ", ".join("?" for _ in operands)
    if operator in COMPARISONS:
        return CompiledRule(f"coalesce({column} {COMPARISONS[operator]} ?, false)", tuple(operands))
    if operator in ("in", "not_in"):
        negation = " not" if operator == "not_in" else ""
        return CompiledRule(f"coalesce({column}{negation} in ({placeholders}), false)", tuple(operands))
    if operator == "between":
        return CompiledRule(f"coalesce({column} between ? and ?, false)", tuple(operands))
    # contains, contains_any, contains_all: whole values of the comma-joined text (macros/joined_values_contain.sql)
    test = f"coalesce(instr(',' || {column} || ',', ?) > 0, false)"
    joiner = " and " if operator == "contains_all" else " or "
    sql = "(" + joiner.join(test for _ in operands) + ")"
    return CompiledRule(sql, tuple(f",{value}," for value in operands))


def compile_rule(rule: Any, tag_types: Mapping[str, str]) -> CompiledRule:
    """A rule (all / any / not / condition, nested to any depth) as a never-null SQL boolean."""
    if not isinstance(rule, Mapping):
        raise RuleError(f"a rule must be a mapping (all, any, not or a tag condition), got {rule!r}")
    combinators = [key for key in ("all", "any", "not") if key in rule]
    if not combinators:
        return compile_condition(rule, tag_types)
    if len(rule) != 1:
        raise RuleError(f"a rule with {combinators[0]} holds nothing else, got {', '.join(rule)}")
    combinator = combinators[0]
    if combinator == "not":
        inner = compile_rule(rule["not"], tag_types)
        return CompiledRule(f"not {inner.sql}", inner.parameters)
    parts = rule[combinator]
    if isinstance(parts, (str, Mapping)) or not isinstance(parts, Sequence) or not parts:
        raise RuleError(f"{combinator} needs a non-empty list of rules, got {parts!r}")
    compiled = [compile_rule(part, tag_types) for part in parts]
    joiner = " and " if combinator == "all" else " or "
    parameters: tuple[Any, ...] = ()
    for part in compiled:
        parameters += part.parameters
    return CompiledRule("(" + joiner.join(part.sql for part in compiled) + ")", parameters)


def published_tag_types(path: Path | None = None) -> dict[str, str]:
    """tag_code -> value_type of the published tag catalog (the columns of dim_person_profiles)."""
    frame = query("select tag_code, value_type from marts.dim_tag_catalog", path=path)
    return dict(zip(frame["tag_code"], frame["value_type"], strict=True))


def preview(rule: Any, path: Path | None = None, tag_types: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Size of the segment the rule would make today, out of every profiled person, and per condition alone."""
    tag_types = tag_types if tag_types is not None else published_tag_types(path)
    compiled = compile_rule(rule, tag_types)
    frame = query(
        f"select count_if({compiled.sql}) as members, count(*) as persons from marts.dim_person_profiles",
        compiled.parameters,
        path,
    )
    members, persons = int(frame["members"].iloc[0]), int(frame["persons"].iloc[0])
    return {"members": members, "persons": persons, "share": members / persons if persons else 0.0}


def members_by_tag(rule: Any, breakdown_tag: str, path: Path | None = None,
                   tag_types: Mapping[str, str] | None = None) -> list[tuple[str | None, int]]:
    """The would-be members per value of one enum or boolean tag (who they are, before saving the segment)."""
    tag_types = tag_types if tag_types is not None else published_tag_types(path)
    if tag_types.get(breakdown_tag) not in ("enum", "boolean"):
        raise RuleError(f"breakdown tag {breakdown_tag!r} is not an enum or boolean tag of the catalog")
    compiled = compile_rule(rule, tag_types)
    column = _column(breakdown_tag)
    frame = query(
        f"""
        select cast({column} as varchar) as tag_value, count(*) as members
        from marts.dim_person_profiles
        where {compiled.sql}
        group by all
        order by members desc
        """,
        compiled.parameters,
        path,
    )
    return [(None if value is None else str(value), int(members))
            for value, members in zip(frame["tag_value"], frame["members"], strict=True)]


def definition_yaml(key: str, name_zh: str, name_en: str, rule: Any, description: str) -> str:
    """The entry to paste into macros/segment_definitions.sql to save the segment."""
    entry = {
        "key": key,
        "name_zh": name_zh,
        "name_en": name_en,
        "kind": "rule",
        "owner": "crm_marketing_team",
        "is_exportable": False,
        "description": description,
        "rule": rule,
    }
    return yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)
