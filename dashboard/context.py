"""What every page needs: the language, the publication being read, and cached queries.

app.py puts the language switch in the sidebar (bound to the URL's `lang` query parameter, so a link keeps its
language); the pages read it here. Query results are cached per publication: the cache key holds the
publication_id, so a new publication shows at the next page load without restarting the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import published, queries
from dashboard.labels import label

LANGUAGE_KEY = "lang"
DEFAULT_LANGUAGE = "en"


def language() -> str:
    return st.session_state.get(LANGUAGE_KEY) or DEFAULT_LANGUAGE


@st.cache_data(show_spinner=False, ttl=30)
def _publication_by_file(path: str, modified_ns: int, inode: int) -> published.Publication:
    return published.read_publication(Path(path))


def publication() -> published.Publication:
    """The publication on disk now, read again when the file changes (a new publication is renamed over the
    path, which changes its inode and modification time)."""
    path = published.published_path()
    status = path.stat() if path.exists() else None
    if status is None:
        return published.read_publication(path)  # raises NoPublicationError, with what to do
    return _publication_by_file(str(path), status.st_mtime_ns, status.st_ino)


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(publication_id: str, function_name: str, args: tuple[Any, ...]) -> Any:
    return getattr(queries, function_name)(*args)


def load(function: Callable[..., Any], *args: Any) -> Any:
    """queries.<function>(*args) on the current publication, cached for it."""
    return _cached(publication().publication_id, function.__name__, args)


def url_choice(widget: Callable[..., Any], label_text: str, options: Any, key: str, default: Any = None,
               **kwargs: Any) -> Any:
    """A choice widget (selectbox, radio or segmented_control, of st or of a column) kept in the URL as
    ?<key>=<option>: the option itself, not its label, so a link opens the same view in either language.
    The URL's value is the initial choice; a choice equal to the default leaves the URL clean."""
    options = list(options)
    default = default if default in options else options[0]
    wanted = st.query_params.get(key)
    initial = wanted if wanted in options else default
    if widget.__name__ == "segmented_control":
        kwargs.update(default=initial, required=True)
    else:
        kwargs.update(index=options.index(initial))
    value = widget(label_text, options, key=key, **kwargs)
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = str(value)
    return value


def page_title(title_key: str) -> str:
    """Write the page's title in the chosen language and return the language."""
    lang = language()
    st.title(label(title_key, lang))
    return lang


def is_empty(frame: pd.DataFrame, lang: str) -> bool:
    """True, with a notice on the page, when a query returned no rows (a page then draws nothing more)."""
    if frame.empty:
        st.info(label("no_data", lang))
    return frame.empty
