"""One module per dashboard page; each has a `render()` that app.py's navigation runs (see dashboard/pages.py)."""
