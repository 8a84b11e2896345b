"""Serve the dashboard: `python -m dashboard [--port 8501] [--host 127.0.0.1]`, or `--check` to exit 2 when
there is nothing published yet (`make dashboard` then runs `make run` first)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from dashboard.published import NoPublicationError, published_path, read_publication

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, host: str) -> list[str]:
    """Streamlit's command line: headless (no browser opened), no usage statistics, no file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--theme.base", "light",
        "--client.toolbarMode", "viewer",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARD_PORT") or 8501))
    parser.add_argument("--host", default=os.environ.get("DASHBOARD_HOST") or "127.0.0.1")
    parser.add_argument("--check", action="store_true", help="only check that a publication exists")
    arguments = parser.parse_args(argv)
    try:
        publication = read_publication()
    except NoPublicationError as error:
        print(f"dashboard: {error}", file=sys.stderr)
        return 2
    if arguments.check:
        return 0
    print(f"Dashboard on http://{arguments.host}:{arguments.port} reading {published_path()} "
          f"(as of {publication.as_of_date}, publication {publication.publication_id}); Ctrl-C stops it.")
    return subprocess.call(streamlit_command(arguments.port, arguments.host))


if __name__ == "__main__":
    sys.exit(main())
