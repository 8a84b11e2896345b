"""Overview: active persons (DAU/WAU/MAU), new vs returning, revenue, orders and AOV, as of the analysis date.

Marts: rpt_active_persons (platform and channel 'all'), fct_orders (value orders).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import load, page_title, publication
from dashboard.labels import label, value_label


def _delta(current: float | None, previous: float | None) -> str | None:
    if current is None or previous in (None, 0):
        return None
    return f"{(current - previous) / previous:+.1%}"


def render() -> None:
    lang = page_title("page_overview")
    as_of = publication().as_of_date

    activity = load(queries.headline_activity, as_of)
    today = activity.iloc[0] if not activity.empty else None
    yesterday = activity.iloc[1] if len(activity) > 1 else None
    columns = st.columns(5)
    for column, (key, field) in zip(columns, [
        ("dau", "count_active_persons"),
        ("wau", "count_active_persons_last_7_days"),
        ("mau", "count_active_persons_last_30_days"),
        ("new_persons", "count_new_persons"),
        ("returning_persons", "count_returning_persons"),
    ], strict=True):
        value = None if today is None else int(today[field])
        previous = None if yesterday is None else int(yesterday[field])
        column.metric(label(key, lang), "-" if value is None else f"{value:,}", _delta(value, previous),
                      help=label("delta_vs_previous_day", lang), border=True)

    orders = load(queries.headline_orders, as_of).set_index("period")
    current = orders.loc["current"] if "current" in orders.index else None
    previous = orders.loc["previous"] if "previous" in orders.index else None
    columns = st.columns(4)
    for column, (key, field, number_format) in zip(columns, [
        ("revenue_30_days", "revenue", "¥{:,.0f}"),
        ("orders_30_days", "count_orders", "{:,.0f}"),
        ("aov_30_days", "average_order_value", "¥{:,.2f}"),
        ("buyers_30_days", "count_buyers", "{:,.0f}"),
    ], strict=True):
        value = None if current is None else float(current[field])
        before = None if previous is None else float(previous[field])
        column.metric(label(key, lang), "-" if value is None else number_format.format(value),
                      _delta(value, before), help=label("delta_vs_previous_30_days", lang), border=True)

    daily = load(queries.daily_active_persons, as_of)
    fig = figure(label("chart_new_vs_returning", lang), barmode="stack",
                 xaxis_title=label("day", lang), yaxis_title=label("persons", lang))
    fig.add_trace(go.Bar(x=daily["activity_date"], y=daily["count_returning_persons"],
                         name=label("returning_persons", lang)))
    fig.add_trace(go.Bar(x=daily["activity_date"], y=daily["count_new_persons"], name=label("new_persons", lang)))
    fig.add_trace(go.Scatter(x=daily["activity_date"], y=daily["count_active_persons_last_7_days"],
                             name=label("wau", lang), mode="lines", line=dict(dash="dot")))
    show("new_vs_returning", fig)

    left, right = st.columns([2, 1])
    with left:
        revenue = load(queries.daily_revenue, as_of)
        fig = figure(label("chart_revenue", lang), barmode="stack",
                     xaxis_title=label("day", lang), yaxis_title=label("revenue", lang), yaxis_tickprefix="¥")
        for group in ("online", "store"):
            rows = revenue[revenue["channel_group"] == group]
            fig.add_trace(go.Bar(x=rows["ordered_date"], y=rows["revenue"], name=label(group, lang),
                                 customdata=rows["count_orders"],
                                 hovertemplate="%{x}<br>¥%{y:,.0f}<br>%{customdata} " + label("orders", lang)))
        show("revenue", fig)
    with right:
        platforms = load(queries.active_persons_by_platform, as_of)
        fig = figure(label("chart_platforms", lang), xaxis_title=label("persons", lang))
        fig.add_trace(go.Bar(y=[value_label(platform, lang) for platform in platforms["platform"]],
                             x=platforms["count_active_persons_last_30_days"], orientation="h",
                             text=platforms["count_active_persons_last_30_days"], textposition="auto"))
        fig.update_yaxes(autorange="reversed")
        show("platforms", fig)
