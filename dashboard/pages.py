"""The dashboard's pages: URL path, title, section, render function and the charts each must draw.

app.py builds the navigation from PAGES; dashboard/browser_check.py opens every page in headless Chromium and
checks that each chart of `charts` is drawn (the element `st-key-chart_<name>`) and holds data. Add a page
here and the end-to-end test covers it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dashboard.views import funnels, lifecycle, overview, person, retention, segment_builder, tags, value


@dataclass(frozen=True)
class Page:
    url_path: str
    title_key: str
    section_key: str
    render: Callable[[], None]
    charts: tuple[str, ...]


PAGES: tuple[Page, ...] = (
    Page("overview", "page_overview", "section_behavior", overview.render,
         ("new_vs_returning", "revenue", "platforms")),
    Page("funnels", "page_funnels", "section_behavior", funnels.render, ("funnel",)),
    Page("retention", "page_retention", "section_behavior", retention.render, ("retention", "retention_curve")),
    Page("lifecycle", "page_lifecycle", "section_behavior", lifecycle.render, ("lifecycle", "stages")),
    Page("value", "page_value", "section_value", value.render, ("rfm_segments", "rfm_grid", "value_tiers")),
    Page("tags", "page_tags", "section_profiles", tags.render, ("tag_distribution",)),
    Page("segment_builder", "page_segment_builder", "section_profiles", segment_builder.render,
         ("condition_sizes", "members_by_tag")),
    Page("person", "page_person", "section_profiles", person.render, ("person_activity",)),
)
