"""The dashboard's Streamlit entry point: `streamlit run dashboard/app.py` (`make dashboard` does it).

It reads only the published warehouse (PUBLISHED_PATH, opened read-only per query; dashboard/published.py).
The sidebar holds the language switch (中文 / English, the URL's ?lang=) and the navigation of dashboard/pages.py.
"""

from __future__ import annotations

import streamlit as st

from dashboard.context import DEFAULT_LANGUAGE, LANGUAGE_KEY, language, publication, url_choice
from dashboard.labels import LANGUAGES, label
from dashboard.pages import PAGES
from dashboard.published import NoPublicationError

st.set_page_config(page_title="User profiles · 用户画像", page_icon="📊", layout="wide")

url_choice(st.sidebar.radio, "Language / 语言", LANGUAGES, LANGUAGE_KEY, DEFAULT_LANGUAGE, format_func=LANGUAGES.get,
           horizontal=True)
lang = language()

sections: dict[str, list] = {}
for page in PAGES:
    sections.setdefault(label(page.section_key, lang), []).append(
        st.Page(page.render, title=label(page.title_key, lang), url_path=page.url_path,
                default=page is PAGES[0])
    )
navigation = st.navigation(sections)

try:
    current = publication()
except NoPublicationError as error:
    st.error(label("no_publication", lang, error=error))
    st.stop()
st.sidebar.caption(label("published_caption", lang, as_of=current.as_of_date,
                         publication_id=current.publication_id, published_at=f"{current.published_at:%Y-%m-%d %H:%M}"))
navigation.run()
