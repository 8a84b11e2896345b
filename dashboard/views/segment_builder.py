"""Segment builder: combine tag conditions and see the segment's size before saving it.

The rule compiles as a saved segment does (dashboard/segment_preview.py mirrors macros/segment_rule_sql.sql)
over dim_person_profiles; the page ends with the YAML entry that saves it in macros/segment_definitions.sql.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries, segment_preview
from dashboard.charts import figure, show
from dashboard.context import load, page_title, publication
from dashboard.labels import label, value_label
from dashboard.views.tags import tag_name

MAX_CONDITIONS = 5
# The first look of the page: high-value customers with a churn warning (a rule worth saving).
DEFAULT_CONDITIONS = (
    {"tag": "value_tier", "in": ["high_value", "potential"]},
    {"tag": "has_churn_warning", "is_true": True},
)
DEFAULT_BREAKDOWN = "lifecycle_stage"


@st.cache_data(show_spinner=False, max_entries=256)
def _preview(publication_id: str, rule: Any, breakdown: str, tag_types: dict[str, str]) -> tuple[dict, list, list[int]]:
    """Size of the rule, its members by the breakdown tag, and each top-level condition alone."""
    combined = segment_preview.preview(rule, tag_types=tag_types)
    by_tag = segment_preview.members_by_tag(rule, breakdown, tag_types=tag_types)
    parts = rule[next(iter(rule))]
    alone = [segment_preview.preview(part, tag_types=tag_types)["members"] for part in parts]
    return combined, by_tag, alone


def _operand(index: int, tag_code: str, value_type: str, operator: str, default: dict, lang: str) -> Any:
    """The widget(s) for a condition's operand; returns the operand (True for the flag operators)."""
    key = f"condition_{index}"
    if operator in segment_preview.FLAG_OPERATORS:
        return True
    if value_type == "number":
        if operator == "between":
            low, high = st.columns(2)
            return [low.number_input(label("low", lang), value=0.0, key=f"{key}_low"),
                    high.number_input(label("high", lang), value=100.0, key=f"{key}_high")]
        if operator in ("in", "not_in"):
            values = [float(value) for value in load(queries.tag_values, tag_code)]
            return st.multiselect(label("operand", lang), values, default=values[:1], key=f"{key}_values")
        return st.number_input(label("operand", lang), value=0.0, key=f"{key}_number")
    values = load(queries.tag_values, tag_code)
    if operator in segment_preview.LIST_OPERATORS:
        preset = [value for value in default.get(operator, []) if value in values and default.get("tag") == tag_code]
        return st.multiselect(label("operand", lang), values, default=preset or values[:1],
                              format_func=lambda value: value_label(value, lang), key=f"{key}_values")
    return st.selectbox(label("operand", lang), values, format_func=lambda value: value_label(value, lang),
                        key=f"{key}_value")


def render() -> None:
    lang = page_title("page_segment_builder")
    st.caption(label("builder_intro", lang))
    catalog = load(queries.tag_catalog).set_index("tag_code", drop=False)
    codes = list(catalog.index)
    left, right = st.columns(2)
    combinator = left.segmented_control(label("combine", lang), ("all", "any"), default="all", required=True,
                                        format_func=lambda key: label(f"combine_{key}", lang), key="combine")
    count = right.number_input(label("condition_count", lang), min_value=1, max_value=MAX_CONDITIONS,
                               value=len(DEFAULT_CONDITIONS), key="condition_count")

    conditions = []
    for index in range(int(count)):
        default = DEFAULT_CONDITIONS[index] if index < len(DEFAULT_CONDITIONS) else {}
        with st.container(border=True):
            tag_column, operator_column, operand_column = st.columns([2, 1, 2])
            default_tag = default.get("tag", codes[0])
            tag_code = tag_column.selectbox(label("tag", lang), codes, index=codes.index(default_tag),
                                            format_func=lambda code: tag_name(catalog.loc[code], lang),
                                            key=f"condition_{index}_tag")
            value_type = catalog.loc[tag_code, "value_type"]
            operators = segment_preview.operators_for(value_type)
            default_operator = next((key for key in default if key != "tag"), None)
            operator = operator_column.selectbox(
                label("operator", lang), operators,
                index=operators.index(default_operator) if default_operator in operators else 0,
                key=f"condition_{index}_operator_{value_type}",
            )
            with operand_column:
                operand = _operand(index, tag_code, value_type, operator, default, lang)
            conditions.append({"tag": tag_code, operator: operand})

    rule = {combinator: conditions}
    breakdown_codes = [code for code in codes if catalog.loc[code, "value_type"] in ("enum", "boolean")]
    breakdown = st.selectbox(label("breakdown_tag", lang), breakdown_codes,
                             index=breakdown_codes.index(DEFAULT_BREAKDOWN) if DEFAULT_BREAKDOWN in breakdown_codes
                             else 0, format_func=lambda code: tag_name(catalog.loc[code], lang), key="breakdown_tag")
    try:
        tag_types = dict(zip(catalog["tag_code"], catalog["value_type"], strict=True))
        combined, by_tag, alone = _preview(publication().publication_id, rule, breakdown, tag_types)
    except segment_preview.RuleError as error:
        st.error(label("rule_error", lang, error=error))
        return

    size, share = st.columns(2)
    size.metric(label("segment_size", lang), f"{combined['members']:,}", border=True)
    share.metric(label("segment_share", lang), f"{combined['share']:.1%}", border=True,
                 help=f"{combined['members']:,} / {combined['persons']:,}")

    names = [f"{number}. {tag_name(catalog.loc[condition['tag']], lang)}"
             for number, condition in enumerate(conditions, start=1)]
    fig = figure(label("chart_condition_sizes", lang), yaxis_title=label("persons", lang))
    fig.add_trace(go.Bar(x=[*names, label("combined", lang)], y=[*alone, combined["members"]],
                         marker_color=["#94a3b8"] * len(alone) + ["#2563eb"], text=[*alone, combined["members"]],
                         textposition="outside"))
    show("condition_sizes", fig)

    fig = figure(label("chart_members_by", lang, tag=tag_name(catalog.loc[breakdown], lang)),
                 yaxis_title=label("persons", lang))
    fig.add_trace(go.Bar(x=[value_label(value, lang) for value, _ in by_tag], y=[members for _, members in by_tag],
                         text=[members for _, members in by_tag], textposition="outside"))
    show("members_by_tag", fig)

    st.write(label("save_instructions", lang))
    st.code(segment_preview.definition_yaml(
        key="my_new_segment", name_zh="新人群", name_en="My new segment", rule=rule,
        description="Describe who they are and what the segment is for.",
    ), language="yaml")
