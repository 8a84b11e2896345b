"""RFM and value tiers: buyers per RFM segment, revenue and predicted value per value tier, the R x FM grid.

Mart: fct_person_value (buyers: persons with at least one value order; rules in docs/value.md).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import is_empty, load, page_title
from dashboard.labels import label, value_label


def render() -> None:
    lang = page_title("page_value")
    segments = load(queries.rfm_segments)
    if is_empty(segments, lang):
        return
    names = segments["rfm_segment_name_zh"] if lang == "zh" else segments["rfm_segment_name"]
    left, right = st.columns(2)
    with left:
        fig = figure(label("chart_rfm_segments", lang), xaxis_title=label("persons", lang), height=440)
        fig.add_trace(go.Bar(y=names, x=segments["persons"], orientation="h", text=segments["persons"],
                             customdata=segments[["revenue", "average_predicted_clv"]].values,
                             hovertemplate="%{y}<br>%{x:,}<br>¥%{customdata[0]:,.0f}<extra></extra>"))
        fig.update_yaxes(autorange="reversed")
        show("rfm_segments", fig)
    with right:
        grid = load(queries.rfm_grid).pivot(index="r_score", columns="fm_score", values="persons").fillna(0)
        fig = figure(label("chart_rfm_grid", lang), height=440, xaxis_title=label("fm_score", lang),
                     yaxis_title=label("r_score", lang))
        fig.add_trace(go.Heatmap(z=grid.values, x=[str(score) for score in grid.columns],
                                 y=[str(score) for score in grid.index], colorscale="Blues",
                                 texttemplate="%{z:,}", hovertemplate="R %{y} · FM %{x}: %{z:,}<extra></extra>"))
        show("rfm_grid", fig)

    tiers = load(queries.value_tiers)
    tier_names = [value_label(tier, lang) for tier in tiers["value_tier"]]
    fig = figure(label("chart_value_tiers", lang), barmode="group", yaxis_tickprefix="¥")
    fig.add_trace(go.Bar(x=tier_names, y=tiers["revenue"], name=label("revenue", lang), customdata=tiers["persons"],
                         hovertemplate="%{x}<br>¥%{y:,.0f}<br>%{customdata:,} " + label("persons", lang)))
    fig.add_trace(go.Bar(x=tier_names, y=tiers["predicted_clv"], name=label("predicted_clv", lang)))
    show("value_tiers", fig)
    money = "¥%,.0f"
    st.dataframe(segments.assign(rfm_segment_name=names).drop(columns=["rfm_segment_name_zh"]), hide_index=True,
                 column_config={
                     "rfm_segment_name": label("rfm_segment", lang),
                     "persons": st.column_config.NumberColumn(label("persons", lang), format="localized"),
                     "revenue": st.column_config.NumberColumn(label("revenue", lang), format=money),
                     "average_predicted_clv": st.column_config.NumberColumn(label("average_predicted_clv", lang),
                                                                            format=money),
                 })
