"""Lifecycle: per period, who comes in (new, resurrecting), who stays (returning) and who leaves (dormant,
drawn below zero), and today's lifecycle stages with their churn warnings.

Marts: rpt_lifecycle, dim_person_lifecycle_stages (rules in docs/behavior.md).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import is_empty, load, page_title, publication, url_choice
from dashboard.labels import label, value_label

GRAINS = ("week", "day", "month")
STATUSES = (("returning", "#2563eb"), ("new", "#10b981"), ("resurrecting", "#f59e0b"), ("dormant", "#ef4444"))
STAGES = ("new", "active", "reactivated", "silent", "churned")


def render() -> None:
    lang = page_title("page_lifecycle")
    as_of = publication().as_of_date
    grain = url_choice(st.segmented_control, label("grain", lang), GRAINS, "grain", "week",
                       format_func=lambda key: label(f"grain_{key}", lang))
    periods = load(queries.lifecycle_periods, grain, as_of)
    if is_empty(periods, lang):
        return
    fig = figure(label("chart_lifecycle", lang), barmode="relative", xaxis_title=label("period_start", lang),
                 yaxis_title=label("persons", lang))
    for status, color in STATUSES:
        rows = periods[periods["status"] == status]
        sign = -1 if status == "dormant" else 1
        fig.add_trace(go.Bar(x=rows["period_start"], y=sign * rows["persons"], name=value_label(status, lang),
                             marker_color=color, customdata=rows["persons"],
                             hovertemplate="%{x}<br>%{customdata:,}"))
    show("lifecycle", fig)
    if not periods["is_complete"].iloc[-1]:
        st.caption(label("partial_period", lang))

    stages = load(queries.lifecycle_stages).set_index("lifecycle_stage").reindex(list(STAGES)).fillna(0)
    fig = figure(label("chart_stages", lang), barmode="overlay", yaxis_title=label("persons", lang))
    names = [value_label(stage, lang) for stage in stages.index]
    fig.add_trace(go.Bar(x=names, y=stages["persons"], name=label("persons", lang), text=stages["persons"],
                         textposition="outside"))
    fig.add_trace(go.Bar(x=names, y=stages["persons_with_churn_warning"], name=label("with_churn_warning", lang),
                         marker_color="#ef4444", width=0.4))
    show("stages", fig)
