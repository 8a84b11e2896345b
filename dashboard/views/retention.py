"""Retention: the cohort heat map (share of each cohort active N periods later) and the average curve.

Mart: rpt_retention_cohorts (grain day/week/month, mode on / on_or_after).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import is_empty, load, page_title, url_choice
from dashboard.labels import label

GRAINS = ("week", "day", "month")
MODES = ("on", "on_or_after")


def render() -> None:
    lang = page_title("page_retention")
    left, right = st.columns(2)
    grain = url_choice(left.segmented_control, label("grain", lang), GRAINS, "grain", "week",
                       format_func=lambda key: label(f"grain_{key}", lang))
    mode = url_choice(right.segmented_control, label("mode", lang), MODES, "mode", "on",
                      format_func=lambda key: label(f"mode_{key}", lang))
    cohorts = load(queries.retention_cohorts, grain, mode)
    if is_empty(cohorts, lang):
        return
    grid = cohorts.pivot(index="cohort_start", columns="period_number", values="retention_rate").sort_index()
    sizes = cohorts.groupby("cohort_start")["cohort_persons"].first().reindex(grid.index)
    row_labels = [f"{start:%Y-%m-%d} ({int(size):,})" for start, size in zip(grid.index, sizes, strict=True)]
    fig = figure(label("chart_retention", lang), height=max(380, 26 * len(grid) + 120),
                 xaxis_title=label("period", lang),
                 yaxis_title=f"{label('cohort', lang)} ({label('cohort_persons', lang)})")
    fig.add_trace(go.Heatmap(
        z=grid.values, x=[str(period) for period in grid.columns], y=row_labels, colorscale="Blues", zmin=0,
        zmax=max(0.05, float(grid.drop(columns=0, errors="ignore").max().max() or 0)),
        text=[[("" if value != value else f"{value:.0%}") for value in row] for row in grid.values],
        texttemplate="%{text}", hovertemplate="%{y}<br>+%{x}: %{z:.1%}<extra></extra>",
        colorbar=dict(tickformat=".0%"),
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    show("retention", fig)

    complete = cohorts[cohorts["is_complete"]]
    curve = complete.groupby("period_number").agg(retained=("retained_persons", "sum"),
                                                  cohort=("cohort_persons", "sum")).reset_index()
    curve["rate"] = curve["retained"] / curve["cohort"]
    fig = figure(label("chart_retention_curve", lang), xaxis_title=label("period", lang),
                 yaxis_title=label("retention_rate", lang), yaxis_tickformat=".0%", yaxis_rangemode="tozero")
    fig.add_trace(go.Scatter(x=curve["period_number"], y=curve["rate"], mode="lines+markers",
                             name=label("retention_rate", lang)))
    show("retention_curve", fig)
