"""Funnels: persons reaching each step of a funnel, overall or broken down by platform or channel.

Mart: rpt_funnel_steps (one row per funnel, breakdown and step; the funnels are seeds/funnel_definitions.csv).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import is_empty, load, page_title, url_choice
from dashboard.labels import label, value_label

BREAKDOWNS = ("all", "platform", "channel")
# The funnel shown first (when the URL names none); any funnel of seeds/funnel_definitions.csv if it is gone.
DEFAULT_FUNNEL = "purchase"


def render() -> None:
    lang = page_title("page_funnels")
    funnels = load(queries.funnels)
    if is_empty(funnels, lang):
        return
    names = dict(zip(funnels["funnel_key"], funnels["funnel_name"], strict=True))
    left, right = st.columns([2, 1])
    funnel_key = url_choice(left.selectbox, label("funnel", lang), names, "funnel", DEFAULT_FUNNEL,
                            format_func=lambda key: f"{names[key]} ({key})")
    breakdown = url_choice(right.segmented_control, label("breakdown", lang), BREAKDOWNS, "breakdown", "all",
                           format_func=lambda key: label(f"breakdown_{key}", lang))

    overall = load(queries.funnel_steps, funnel_key, "all")
    if is_empty(overall, lang):
        return
    last = overall.iloc[-1]
    st.metric(label("overall_conversion", lang), f"{last['conversion_rate_from_first_step']:.1%}",
              help=f"{int(overall.iloc[0]['persons']):,} → {int(last['persons']):,}")
    step_labels = [f"{row.step_number}. {row.step_name}" for row in overall.itertuples()]
    fig = figure(label("chart_funnel", lang))
    fig.add_trace(go.Funnel(y=step_labels, x=overall["persons"], textinfo="value+percent initial",
                            marker=dict(color="#2563eb")))
    show("funnel", fig)

    if breakdown != "all":
        steps = load(queries.funnel_steps, funnel_key, breakdown)
        breakdown_name = label(f"breakdown_{breakdown}", lang)
        fig = figure(label("chart_funnel_breakdown", lang, breakdown=breakdown_name), barmode="group",
                     yaxis_tickformat=".0%", xaxis_title=label("step", lang),
                     yaxis_title=label("conversion_from_first", lang))
        for value, rows in steps.groupby("breakdown_value", sort=True):
            fig.add_trace(go.Bar(x=[f"{row.step_number}. {row.step_name}" for row in rows.itertuples()],
                                 y=rows["conversion_rate_from_first_step"], name=value_label(value, lang),
                                 customdata=rows["persons"],
                                 hovertemplate="%{x}<br>%{y:.1%}<br>%{customdata:,} " + label("persons", lang)))
        show("funnel_breakdown", fig)
        table = steps
    else:
        table = overall
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "breakdown_value": label("breakdown", lang),
            "step_number": label("step", lang),
            "step_name": label("step_name", lang),
            "persons": st.column_config.NumberColumn(label("persons", lang), format="localized"),
            "conversion_rate_from_first_step": st.column_config.NumberColumn(
                label("conversion_from_first", lang), format="percent"),
            "conversion_rate_from_previous_step": st.column_config.NumberColumn(
                label("conversion_from_previous", lang), format="percent"),
            "median_seconds_from_previous_step": st.column_config.NumberColumn(label("median_time", lang),
                                                                               format="%.0f"),
        },
    )
