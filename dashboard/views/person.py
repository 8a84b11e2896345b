"""Single-person profile: one person's identity, lifecycle, value, activity, tags and segments by person_id.

Marts: dim_persons, dim_person_lifecycle_stages, fct_person_value, fct_person_daily_activity, fct_person_tags,
dim_tag_catalog, fct_segment_memberships, dim_segments, bdg_person_identifiers (phone and email are salted
hashes there; no mart holds them raw).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import load, page_title, publication
from dashboard.labels import label, value_label


def render() -> None:
    lang = page_title("page_person")
    as_of = publication().as_of_date
    revenue = load(queries.sample_persons).set_index("person_id")["revenue"]
    left, right = st.columns(2)
    picked = right.selectbox(label("pick_person", lang), revenue.index.tolist(),
                             format_func=lambda person: f"{person} (¥{revenue[person]:,.0f})", key="sample_person")
    typed = left.text_input(label("person_id", lang), key="person_id", bind="query-params",
                            placeholder="p_0123456789abcdef")
    person_id = (typed or "").strip() or picked

    summary = load(queries.person_summary, person_id)
    if summary.empty:
        st.warning(label("unknown_person", lang, person_id=person_id))
        return
    person = summary.iloc[0]
    st.subheader(person_id)
    columns = st.columns(5)
    segment_name = person["rfm_segment_name_zh"] if lang == "zh" else person["rfm_segment_name"]
    columns[0].metric(label("lifecycle_stage", lang), value_label(person["lifecycle_stage"], lang)
                      if pd.notna(person["lifecycle_stage"]) else "-")
    columns[1].metric(label("value_tier", lang), value_label(person["value_tier"], lang)
                      if pd.notna(person["value_tier"]) else "-")
    columns[2].metric(label("rfm_segment", lang), segment_name if pd.notna(segment_name) else "-")
    count_orders = 0 if pd.isna(person["count_orders"]) else int(person["count_orders"])
    columns[3].metric(label("revenue", lang), f"¥{0 if pd.isna(person['revenue']) else person['revenue']:,.0f}",
                      help=f"{count_orders} {label('orders', lang)}")
    columns[4].metric(label("identifiers", lang), int(person["count_identifiers"]),
                      help=f"{label('first_seen', lang)}: {person['first_seen_at']:%Y-%m-%d}")

    activity = load(queries.person_activity, person_id, as_of)
    fig = figure(label("chart_person_activity", lang), xaxis_title=label("day", lang),
                 yaxis_title=label("events", lang),
                 yaxis2=dict(title=label("orders", lang), overlaying="y", side="right", rangemode="tozero",
                             showgrid=False, dtick=1))
    fig.add_trace(go.Bar(x=activity["activity_date"], y=activity["count_events"], name=label("events", lang)))
    orders = activity[activity["count_orders"] > 0]
    fig.add_trace(go.Scatter(x=orders["activity_date"], y=orders["count_orders"], name=label("orders", lang),
                             mode="markers", marker=dict(color="#f59e0b", size=10, symbol="diamond"), yaxis="y2"))
    fig.update_xaxes(range=[as_of - pd.Timedelta(days=queries.TREND_DAYS), as_of + pd.Timedelta(days=1)])
    show("person_activity", fig)

    tags_column, side_column = st.columns([3, 2])
    with tags_column:
        st.subheader(label("tags", lang))
        tags = load(queries.person_tags, person_id)
        st.dataframe(pd.DataFrame({
            label("category", lang): [value_label(category, lang) for category in tags["category"]],
            label("tag", lang): tags["tag_name_zh"] if lang == "zh" else tags["tag_name_en"],
            "tag_code": tags["tag_code"],
            label("tag_value", lang): [value_label(value, lang) for value in tags["tag_value"]],
        }), hide_index=True, height=460)
    with side_column:
        st.subheader(label("segments", lang))
        segments = load(queries.person_segments, person_id)
        st.dataframe(pd.DataFrame({
            label("segment", lang): segments["segment_name_zh"] if lang == "zh" else segments["segment_name_en"],
            "segment_key": segments["segment_key"],
            label("member_since", lang): segments["valid_from"],
        }), hide_index=True)
        st.subheader(label("identifiers", lang))
        identifiers = load(queries.person_identifiers, person_id)
        st.dataframe(identifiers.rename(columns={
            "identifier_type": label("identifier_type", lang), "identifier_value": label("identifier_value", lang),
            "first_seen_at": label("first_seen", lang), "last_seen_at": label("last_seen", lang),
        }), hide_index=True)
