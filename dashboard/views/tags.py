"""Tag explorer: the distribution of any tag of the catalog, among everyone or the members of a segment.

Marts: dim_tag_catalog (names, definitions), fct_person_tags (values), fct_segment_memberships (is_current),
dim_segments, dim_person_profiles (every profiled person).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import queries
from dashboard.charts import figure, show
from dashboard.context import load, page_title, url_choice
from dashboard.labels import label, value_label

MISSING_COLOR = "#cbd5e1"
# The tag shown first (when the URL names none); the catalog's first tag if it is gone.
DEFAULT_TAG = "lifecycle_stage"


def tag_name(row, lang: str) -> str:
    return f"{row['tag_name_zh'] if lang == 'zh' else row['tag_name_en']} ({row['tag_code']})"


def segment_name(row, lang: str) -> str:
    return f"{row['segment_name_zh'] if lang == 'zh' else row['segment_name_en']} ({int(row['count_members']):,})"


def render() -> None:
    lang = page_title("page_tags")
    catalog = load(queries.tag_catalog).set_index("tag_code", drop=False)
    segments = load(queries.segments).set_index("segment_key", drop=False)
    left, right = st.columns(2)
    tag_code = url_choice(left.selectbox, label("tag", lang), catalog.index, "tag", DEFAULT_TAG,
                          format_func=lambda code: tag_name(catalog.loc[code], lang))
    segment_key = url_choice(right.selectbox, label("segment_filter", lang), ["", *segments.index], "segment", "",
                             format_func=lambda key: label("everyone", lang) if not key
                             else segment_name(segments.loc[key], lang))
    tag = catalog.loc[tag_code]
    distribution = load(queries.tag_distribution, tag_code, segment_key or None)
    population = int(segments.loc[segment_key, "count_members"]) if segment_key else load(queries.count_profiles)
    tagged = distribution[~distribution["is_missing"]]
    missing = int(distribution.loc[distribution["is_missing"], "persons"].sum())

    columns = st.columns(4)
    columns[0].metric(label("category", lang), value_label(tag["category"], lang))
    columns[1].metric(label("value_type", lang), tag["value_type"])
    columns[2].metric(label("population", lang), f"{population:,}")
    columns[3].metric(label("no_value", lang), f"{missing:,}")
    st.caption(f"{label('description', lang)}: {tag['description']}")

    title = label("chart_tag_distribution", lang, tag=tag_name(tag, lang))
    if tag["value_type"] == "number":
        fig = figure(title, xaxis_title=label("tag_value", lang), yaxis_title=label("persons", lang), bargap=0.05)
        fig.add_trace(go.Histogram(x=tagged["tag_number"], y=tagged["persons"], histfunc="sum", nbinsx=30,
                                   name=label("persons", lang)))
    else:
        shown = tagged.head(30)
        values = [value_label(value, lang) for value in shown["tag_value"]] + [label("no_value", lang)]
        counts = [*shown["persons"], missing]
        colors = ["#2563eb"] * len(shown) + [MISSING_COLOR]
        fig = figure(title, yaxis_title=label("persons", lang))
        fig.add_trace(go.Bar(x=values, y=counts, marker_color=colors, text=counts, textposition="outside",
                             name=label("persons", lang)))
    show("tag_distribution", fig)
    if segment_key:
        sizes = load(queries.segment_sizes, segment_key)
        st.caption(f"{segment_name(segments.loc[segment_key], lang)} · {segment_key}")
        if len(sizes) > 1:
            fig = figure(label("segment_size", lang), yaxis_title=label("persons", lang))
            fig.add_trace(go.Scatter(x=sizes["refresh_date"], y=sizes["count_members"], mode="lines+markers"))
            show("segment_sizes", fig)
