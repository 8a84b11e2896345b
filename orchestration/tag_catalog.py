"""The tag catalog (macros/tag_catalog.sql) read from Python, checked, and turned into the documented columns of
marts.dim_person_profiles (whose enforced contract must list every tag) and the tag table of docs/tags.md.

`python -m orchestration.tag_catalog` rewrites the generated block of models/marts/tags/dim_person_profiles.yml
and of docs/tags.md; `--check` only reports whether either is out of date (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import PROJECT_DIR

CATALOG_PATH = PROJECT_DIR / "macros" / "tag_catalog.sql"
PROFILES_YAML_PATH = PROJECT_DIR / "models" / "marts" / "tags" / "dim_person_profiles.yml"
DOCS_PATH = PROJECT_DIR / "docs" / "tags.md"

# The catalog YAML sits between these two Jinja statements of the macro.
CATALOG_START = "{%- set catalog_yaml -%}"
CATALOG_END = "{%- endset -%}"
# The generated part of dim_person_profiles.yml sits between these two comment lines.
COLUMNS_START = "    # --- generated columns (python -m orchestration.tag_catalog; edit macros/tag_catalog.sql) ---"
COLUMNS_END = "    # --- end of generated columns ---"
# The generated tag table of docs/tags.md sits between these two HTML comments.
TABLE_START = "<!-- generated tag table (python -m orchestration.tag_catalog; edit macros/tag_catalog.sql) -->"
TABLE_END = "<!-- end of generated tag table -->"

CATEGORIES = ("demographic", "behavior", "interest", "value", "lifecycle")
RULE_KINDS = ("expression", "tiers", "list")
# The data type of a tag column in dim_person_profiles by the tag's value type.
DATA_TYPES = {"enum": "string", "number": "double", "boolean": "boolean", "multi_value": "string"}
REFRESH_FREQUENCIES = ("daily", "weekly")
REQUIRED_FIELDS = (
    "tag_code", "name_zh", "name_en", "category", "value_type", "owner", "refresh_frequency", "description"
)


def read_catalog(path: Path = CATALOG_PATH) -> list[dict[str, Any]]:
    """The catalog entries of the macro file, parsed as dbt's fromyaml parses them (PyYAML safe_load)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(CATALOG_START) + len(CATALOG_START)
    end = text.index(CATALOG_END, start)
    catalog = yaml.safe_load(text[start:end])
    if not isinstance(catalog, list):
        raise ValueError(f"{path}: the catalog must be a YAML list of tag entries")
    return catalog


def find_catalog_problems(catalog: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every problem of the catalog as a sentence naming the tag; an empty list for a valid catalog.

    The same rules as the dbt macro tag_rule_sql, so a bad entry fails in CI before it reaches a build.
    """
    problems: list[str] = []
    seen_codes: set[str] = set()
    for position, tag in enumerate(catalog, start=1):
        code = tag.get("tag_code")
        name = f"tag {code!r}" if code else f"entry {position}"
        problems += [f"{name}: missing {field}" for field in REQUIRED_FIELDS if not tag.get(field)]
        if code in seen_codes:
            problems.append(f"{name}: tag_code used twice")
        seen_codes.add(code)
        if tag.get("category") not in CATEGORIES:
            problems.append(f"{name}: unknown category {tag.get('category')!r}")
        if tag.get("value_type") not in DATA_TYPES:
            problems.append(f"{name}: unknown value_type {tag.get('value_type')!r}")
        if tag.get("refresh_frequency") not in REFRESH_FREQUENCIES:
            problems.append(f"{name}: unknown refresh_frequency {tag.get('refresh_frequency')!r}")
        rules = [kind for kind in RULE_KINDS if kind in tag]
        if len(rules) != 1:
            problems.append(f"{name}: needs exactly one rule of expression, tiers or list, has {rules or 'none'}")
            continue
        if (tag.get("value_type") == "multi_value") != (rules[0] == "list"):
            problems.append(f"{name}: multi_value tags need a list rule and list rules a multi_value tag")
        if rules[0] == "tiers":
            problems += _find_tier_problems(name, tag)
        if rules[0] == "list" and not (isinstance(tag.get("max_values"), int) and tag["max_values"] > 0):
            problems.append(f"{name}: a list rule needs a positive max_values")
    return problems


def _find_tier_problems(name: str, tag: Mapping[str, Any]) -> list[str]:
    problems = []
    if tag.get("value_type") != "enum":
        problems.append(f"{name}: tiers give enum values: value_type must be enum")
    if not tag["tiers"]:
        problems.append(f"{name}: tiers is empty")
    for number, tier in enumerate(tag["tiers"] or [], start=1):
        if not tier.get("when"):
            problems.append(f"{name}: tier {number} has no when condition")
        if not isinstance(tier.get("value"), str):
            problems.append(f"{name}: tier {number} value {tier.get('value')!r} is not text (quote it)")
    if "else" in tag and not isinstance(tag["else"], str):
        problems.append(f"{name}: else value {tag['else']!r} is not text (quote it)")
    return problems


def render_profile_columns(catalog: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The columns of dim_person_profiles: person_id, as_of_date, then one per tag in catalog order."""
    columns: list[dict[str, Any]] = [
        {
            "name": "person_id",
            "description": "{{ doc('person_id') }}",
            "data_type": "string",
            "constraints": [{"type": "not_null"}],
            "data_tests": ["unique", "not_null"],
        },
        {
            "name": "as_of_date",
            "description": "The analysis date the tags are as of. {{ doc('reporting_day') }}",
            "data_type": "date",
        },
    ]
    for tag in catalog:
        description = " ".join(f"{tag['name_en']} ({tag['name_zh']}, {tag['category']}). {tag['description']}".split())
        if tag["value_type"] == "multi_value":
            description += " Values joined with ',' strongest first."
        columns.append(
            {"name": tag["tag_code"], "description": description, "data_type": DATA_TYPES[tag["value_type"]]}
        )
    return columns


def render_columns_block(columns: Iterable[Mapping[str, Any]]) -> str:
    """The columns as the YAML lines of the generated block (markers included), at the model's indentation."""
    lines = [COLUMNS_START]
    for column in columns:
        lines.append(f"      - name: {column['name']}")
        lines.append(f"        description: {json.dumps(column['description'], ensure_ascii=False)}")
        lines.append(f"        data_type: {column['data_type']}")
        if "constraints" in column:
            lines.append(f"        constraints: {json.dumps(column['constraints'])}".replace('"', ""))
        if "data_tests" in column:
            lines.append(f"        data_tests: [{', '.join(column['data_tests'])}]")
    lines.append(COLUMNS_END)
    return "\n".join(lines)


def describe_rule(tag: Mapping[str, Any]) -> str:
    """The rule of a catalog entry in a few words: the expression, the tiers in order, or the list and its cut."""
    if "expression" in tag:
        return f"`{' '.join(str(tag['expression']).split())}`"
    if "tiers" in tag:
        tiers = "; ".join(f"{tier['value']}: `{tier['when']}`" for tier in tag["tiers"])
        return tiers + (f"; else {tag['else']}" if tag.get("else") is not None else "")
    return f"top {tag['max_values']} of list `{tag['list']}`"


def render_tag_table(catalog: Iterable[Mapping[str, Any]]) -> str:
    """The Markdown table of every tag (markers included) for docs/tags.md, in catalog order."""
    lines = [
        TABLE_START,
        "| Tag | 名称 / Name | Category | Type | Meaning | Rule (first matching tier wins) |",
        "|---|---|---|---|---|---|",
    ]
    for tag in catalog:
        meaning = " ".join(str(tag["description"]).split()).replace("|", "\\|")
        rule = describe_rule(tag).replace("|", "\\|")
        lines.append(
            f"| `{tag['tag_code']}` | {tag['name_zh']} / {tag['name_en']} | {tag['category']} | {tag['value_type']} "
            f"| {meaning} | {rule} |"
        )
    lines.append(TABLE_END)
    return "\n".join(lines)


def replace_between(text: str, start_marker: str, end_marker: str, block: str) -> str:
    """`text` with everything from start_marker to end_marker (both included) replaced by `block`."""
    start = text.index(start_marker)
    end = text.index(end_marker, start) + len(end_marker)
    return text[:start] + block + text[end:]


def render_profiles_yaml(current_text: str, catalog: Iterable[Mapping[str, Any]]) -> str:
    """dim_person_profiles.yml with its generated block replaced by the columns of `catalog`."""
    return replace_between(
        current_text, COLUMNS_START, COLUMNS_END, render_columns_block(render_profile_columns(catalog))
    )


def render_docs(current_text: str, catalog: Iterable[Mapping[str, Any]]) -> str:
    """docs/tags.md with its generated tag table replaced by the table of `catalog`."""
    return replace_between(current_text, TABLE_START, TABLE_END, render_tag_table(catalog))


def write_generated_files(
    catalog_path: Path = CATALOG_PATH, yaml_path: Path = PROFILES_YAML_PATH, docs_path: Path | None = DOCS_PATH
) -> list[Path]:
    """Regenerate the columns of dim_person_profiles.yml (and the table of docs/tags.md) from the catalog.

    Returns the files that changed; raises ValueError naming every problem of an invalid catalog.
    """
    catalog = read_catalog(catalog_path)
    problems = find_catalog_problems(catalog)
    if problems:
        raise ValueError("the tag catalog is invalid:\n  " + "\n  ".join(problems))
    targets = [(yaml_path, render_profiles_yaml)] + ([(docs_path, render_docs)] if docs_path else [])
    changed = []
    for path, render in targets:
        current_text = path.read_text(encoding="utf-8")
        new_text = render(current_text, catalog)
        if new_text != current_text:
            path.write_text(new_text, encoding="utf-8")
            changed.append(path)
    return changed


def find_stale_files(catalog: list[dict[str, Any]]) -> list[Path]:
    """The generated files whose generated part differs from what `catalog` gives."""
    stale = []
    for path, render in [(PROFILES_YAML_PATH, render_profiles_yaml), (DOCS_PATH, render_docs)]:
        current_text = path.read_text(encoding="utf-8")
        if render(current_text, catalog) != current_text:
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether the generated files are out of date")
    arguments = parser.parse_args(argv)
    if arguments.check:
        catalog = read_catalog()
        problems = find_catalog_problems(catalog) or [
            f"{path.relative_to(PROJECT_DIR)} is out of date: run python -m orchestration.tag_catalog"
            for path in find_stale_files(catalog)
        ]
        print("\n".join(problems) or "generated tag files are up to date")
        return 1 if problems else 0
    changed = write_generated_files()
    print(
        "rewritten: " + ", ".join(str(path.relative_to(PROJECT_DIR)) for path in changed) if changed else "up to date"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
