"""Open every dashboard page in headless Chromium, check that its charts are drawn with data, screenshot it.

    python -m dashboard.browser_check [--url http://127.0.0.1:8501] [--lang en zh] [--screenshots docs/screenshots]

Without --url it serves the dashboard on PUBLISHED_PATH itself for the check (`make dashboard-screenshots`
does that into docs/screenshots/; orchestration/tests/test_dashboard.py does it on the demo warehouse).
The browser is Debian's chromium package (CHROMIUM_PATH, default /usr/bin/chromium),
driven by Playwright without downloading a browser of its own. A page passes when, once Streamlit has finished
running its script,

- every chart of the page's entry in dashboard/pages.py is on it (the element `.st-key-chart_<name>`),
- each of those charts is a drawn Plotly graph whose traces hold at least one data point (read from the graph's
  own `data`, not from pixels), and at least one of them draws a non-zero value,
- the page shows no error and no exception, and its title is in the chosen language.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page as BrowserPage
from playwright.sync_api import sync_playwright
from streamlit.logger import set_log_level

# Importing the pages outside `streamlit run` logs a cache warning per cached function: keep the output clean.
set_log_level("error")

from dashboard.__main__ import streamlit_command  # noqa: E402
from dashboard.labels import label  # noqa: E402
from dashboard.pages import PAGES, Page  # noqa: E402

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
# Flags for a root user in a container without a network: no sandbox, no GPU, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 1000}
PAGE_TIMEOUT_MS = 60_000
MAX_SCREENSHOT_HEIGHT = 4000

# Per chart: its traces and how many points each holds, and whether any value is non-zero. Read from the graph's
# _fullData (Plotly's decoded traces: the figure arrives base64-encoded); a trace's points are the length of its
# first non-empty array among z, values, y, x (a heat map counts its cells, null cells excluded).
CHART_DATA_SCRIPT = """
(names) => names.map((name) => {
    const holder = document.querySelector(`.st-key-chart_${name}`);
    const graph = holder ? holder.querySelector('.js-plotly-plot') : null;
    if (!graph || !graph._fullData) { return {name, found: !!holder, drawn: false, points: [], nonzero: false}; }
    const flat = (values) => {
        if (values === undefined || values === null) { return []; }
        const items = ArrayBuffer.isView(values) ? Array.from(values) : Array.from(values, (item) =>
            (Array.isArray(item) || ArrayBuffer.isView(item)) ? Array.from(item) : [item]).flat();
        return items.filter((value) => value !== null && value !== undefined && !Number.isNaN(value));
    };
    const points = graph._fullData.map((trace) => {
        for (const field of ['z', 'values', 'y', 'x']) {
            const values = flat(trace[field]);
            if (values.length) { return values.length; }
        }
        return 0;
    });
    const nonzero = graph._fullData.some((trace) => ['x', 'y', 'z', 'values'].some((field) =>
        flat(trace[field]).some((value) => typeof value === 'number' && value !== 0)));
    const svg = graph.querySelector('svg.main-svg');
    return {name, found: true, drawn: !!svg && svg.getBoundingClientRect().height > 0, points, nonzero};
})
"""


STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_dashboard(published_path: Path, port: int | None = None) -> Iterator[str]:
    """Serve the dashboard on published_path (as `make dashboard` does) until the block ends; yields its URL."""
    port = port or free_port()
    environment = {**os.environ, "PUBLISHED_PATH": str(published_path)}
    log = Path(tempfile.gettempdir()) / f"dashboard-{port}.log"
    with open(log, "w") as output:
        server = subprocess.Popen(streamlit_command(port, "127.0.0.1"), env=environment, stdout=output,
                                  stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start on {url}:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def chart_values(browser_page: BrowserPage, name: str, axis: str = "y") -> list[float]:
    """The numbers of one axis of every trace of the chart named name (its decoded _fullData)."""
    return browser_page.evaluate(
        """([name, axis]) => {
            const graph = document.querySelector(`.st-key-chart_${name} .js-plotly-plot`);
            if (!graph || !graph._fullData) { return []; }
            return graph._fullData.flatMap((trace) => Array.from(trace[axis] || []))
                .filter((value) => typeof value === 'number');
        }""",
        [name, axis],
    )


@dataclass(frozen=True)
class PageResult:
    url_path: str
    lang: str
    charts: dict[str, int]  # chart name -> data points over its traces
    problems: tuple[str, ...]
    screenshot: Path | None

    @property
    def ok(self) -> bool:
        return not self.problems


def wait_until_idle(browser_page: BrowserPage) -> None:
    """Wait until Streamlit has run the page's script to the end (its status widget says nothing is running)."""
    browser_page.wait_for_selector('[data-testid="stApp"]', timeout=PAGE_TIMEOUT_MS)
    browser_page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]');
        }""",
        timeout=PAGE_TIMEOUT_MS,
    )


def wait_for_charts(browser_page: BrowserPage, names: tuple[str, ...], timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until each named chart is drawn (an SVG inside its `.st-key-chart_<name>` element)."""
    selectors = ", ".join(f".st-key-chart_{name} .js-plotly-plot svg.main-svg" for name in names)
    browser_page.wait_for_function(
        f"() => document.querySelectorAll({selectors!r}).length >= {len(names)}", timeout=timeout_ms
    )


def chart_problems(browser_page: BrowserPage, names: tuple[str, ...],
                   timeout_ms: int = PAGE_TIMEOUT_MS) -> tuple[dict[str, int], list[str]]:
    """Data points per chart, and what is wrong with each (empty when all is well). A chart below the fold may
    be drawn late, or redrawn while the layout settles: look again (scrolling it into view) until every chart is
    right or the time is up, and report what was still wrong then."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        charts: dict[str, int] = {}
        problems: list[str] = []
        for chart in browser_page.evaluate(CHART_DATA_SCRIPT, list(names)):
            charts[chart["name"]] = sum(chart["points"])
            if not chart["found"]:
                problems.append(f"chart {chart['name']} is not on the page")
            elif not chart["drawn"]:
                problems.append(f"chart {chart['name']} is not drawn")
            elif sum(chart["points"]) == 0:
                problems.append(f"chart {chart['name']} has no data points")
            elif not chart["nonzero"]:
                problems.append(f"chart {chart['name']} draws only zeros")
            else:
                continue
            browser_page.evaluate(
                "(name) => document.querySelector(`.st-key-chart_${name}`)?.scrollIntoView({block: 'center'})",
                chart["name"],
            )
        if not problems or time.monotonic() > deadline:
            browser_page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
            return charts, problems
        browser_page.wait_for_timeout(500)


def check_page(browser_page: BrowserPage, base_url: str, page: Page, lang: str,
               screenshot_dir: Path | None = None, query: str = "") -> PageResult:
    """Open one page and check it (module docstring); the screenshot is <screenshot_dir>/<url_path>[.zh].png."""
    path = "" if page is PAGES[0] else page.url_path  # the first page is the default, served at the root
    url = f"{base_url.rstrip('/')}/{path}?lang={lang}{'&' + query if query else ''}"
    browser_page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    wait_until_idle(browser_page)
    charts, problems = chart_problems(browser_page, page.charts)
    for selector, what in (('[data-testid="stException"]', "an exception"),
                           ('[data-testid="stAlertContentError"]', "an error"),
                           ('[data-testid="stAlertContentWarning"]', "a warning")):
        if browser_page.locator(selector).count():
            problems.append(f"the page shows {what}: {browser_page.locator(selector).first.inner_text()[:300]}")
    title = label(page.title_key, lang)
    heading = browser_page.locator("h1").first
    if not heading.count() or title not in heading.inner_text():
        problems.append(f"the page title is not {title!r}")
    screenshot = None
    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        screenshot = screenshot_dir / f"{page.url_path}{'' if lang == 'en' else '.' + lang}.png"
        # Streamlit scrolls inside its main block, not the document: grow the window to the block's height.
        height = browser_page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
        browser_page.set_viewport_size({"width": VIEWPORT["width"],
                                        "height": min(max(VIEWPORT["height"], height), MAX_SCREENSHOT_HEIGHT)})
        browser_page.wait_for_timeout(500)  # Plotly redraws at the new size
        browser_page.screenshot(path=str(screenshot), full_page=True)
        browser_page.set_viewport_size(VIEWPORT)
    return PageResult(page.url_path, lang, charts, tuple(problems), screenshot)


@contextmanager
def chromium_page() -> Iterator[BrowserPage]:
    """A tab of a headless Debian Chromium (CHROMIUM_PATH, CHROMIUM_ARGS) at VIEWPORT, closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="en-US")
            yield context.new_page()
        finally:
            browser.close()


def check_dashboard(base_url: str, languages: tuple[str, ...] = ("en",), screenshot_dir: Path | None = None,
                    pages: tuple[Page, ...] = PAGES) -> list[PageResult]:
    """Every page in every language, in one headless Chromium."""
    with chromium_page() as browser_page:
        return [check_page(browser_page, base_url, page, lang, screenshot_dir)
                for lang in languages for page in pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.browser_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="a running dashboard (default: serve PUBLISHED_PATH for the check)")
    parser.add_argument("--lang", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument("--screenshots", type=Path, default=None, help="folder for one PNG per page and language")
    arguments = parser.parse_args(argv)
    if arguments.url:
        results = check_dashboard(arguments.url, tuple(arguments.lang), arguments.screenshots)
    else:
        from dashboard.published import published_path, read_publication

        read_publication()  # a clear error when nothing is published yet
        with running_dashboard(published_path()) as url:
            results = check_dashboard(url, tuple(arguments.lang), arguments.screenshots)
    for result in results:
        charts = ", ".join(f"{name} {points:,} points" for name, points in result.charts.items())
        status = "ok  " if result.ok else "FAIL"
        print(f"{status} {result.lang} /{result.url_path}: {charts}" + "".join(f"\n     {p}" for p in result.problems))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
