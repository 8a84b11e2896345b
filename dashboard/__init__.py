"""The dashboard BI readers open: Streamlit pages over the published marts (never the working warehouse).

    make dashboard                  # serves it on http://localhost:8501 (DASHBOARD_PORT)
    python -m dashboard --check     # exits 2 when there is no publication yet (run `make run` first)

Layout: `app.py` is the Streamlit entry (language switch, navigation), `pages.py` the page registry (one entry
per page: URL path, title, render function, the charts the end-to-end test expects), `views/` one module per
page, `queries.py` every SQL the pages run (read-only, on the published warehouse), `charts.py` the Plotly
figures, `segment_preview.py` the segment builder's rules compiled to SQL exactly as dbt compiles a saved
segment, `labels.py` the Chinese and English labels, `browser_check.py` the headless-Chromium check and the
screenshots in docs/screenshots/.
"""
