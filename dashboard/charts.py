"""Plotly figures of the dashboard: one look (template, margins, number formats) for every page.

Every chart is drawn with `show`, which gives it a stable key: the element carries the CSS class
`st-key-chart_<name>`, which the end-to-end test (dashboard/browser_check.py) looks for on each page before it
checks that the chart holds data.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#64748b"]
LAYOUT = dict(
    template="plotly_white",
    colorway=PALETTE,
    margin=dict(l=10, r=10, t=50, b=10),
    height=380,
    legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    font=dict(family="Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"),
)


def figure(title: str, **layout: object) -> go.Figure:
    """An empty figure with the dashboard's look and a title."""
    fig = go.Figure()
    fig.update_layout(**{**LAYOUT, **layout}, title=dict(text=title, x=0.0, xanchor="left"))
    return fig


def show(name: str, fig: go.Figure) -> None:
    """Draw a figure under the key chart_<name>, full width, without Plotly's logo."""
    st.plotly_chart(fig, key=f"chart_{name}", config={"displaylogo": False})
