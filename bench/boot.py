"""The benchmarks' one page driver, and the boot tables of the demo page and of pyodide-http.

``measure(engine, pages, runs)`` visits each page in each configuration and times its loads
from navigation until the first segment_get result is on screen (window.doneAt: bench pages
stamp it, bench/done.js; for the demo page an init script stamps it once ``ready`` holds). Pages
compared take turns at going first, each visited once untimed before (the OS caches the files).
A visit is ``cold_and_warm`` (a fresh profile, a cold load and three reloads, with the bytes of
the page and its workers) or ``returning`` (one load in the configuration's one page, cache
warm). ``page_runs`` loads a page that times calls, once per run, and returns what it publishes.

``python -m bench.boot`` times the demo page on Chromium in every configuration (boot.json);
``--page pyodide-http`` the README's page on Pyodide without and with pyodide-http
(packages.json). Each prints a Markdown table of medians (min-max) of --runs visits.

    make boot-table    # or: .venv/bin/python -m bench.boot --runs 5
    .venv/bin/python -m bench.boot --page pyodide-http --runs 3
"""

import argparse
import contextlib
import json
import statistics
import tempfile
from pathlib import Path

from bench.table import markdown, publish, spread
from browsers import CONFIGURATIONS, configurations, open_page, running, serve

WARM_RELOADS = 3
LOAD_TIMEOUT_MS = 600_000
# Where an engine gives no response sizes (all but Chromium): the page's timeline, plus the
# worker's downloads, which first_result.py publishes.
TIMELINE_BYTES = """[...performance.getEntriesByType("navigation"),
  ...performance.getEntriesByType("resource")].reduce((sum, entry) => sum + entry.transferSize,
  Number(document.getElementById("results").dataset.workerBytes || 0))"""


def stamp_when(condition):
    """An init script that records in window.doneAt the moment the JS condition first holds."""
    return f"""
new MutationObserver((_, observer) => {{
  if ({condition}) {{
    window.doneAt = performance.now();
    observer.disconnect();
  }}
}}).observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
"""


@contextlib.contextmanager
def fresh_page(engine, ready):
    """A page with an empty cache, closed on the way out: on Chromium in a profile folder of its
    own, whose disk cache a reload reads as a returning shopper's browser would."""
    with tempfile.TemporaryDirectory() as profile:
        chromium = engine.name == "chromium"
        page = engine.new_page(profile=Path(profile)) if chromium else engine.new_page()
        try:
            if ready is not None:
                page.add_init_script(stamp_when(ready))
            yield page
        finally:
            page.close()


def load(page, url, *, reload=False):
    """Load url (or reload it) and wait for its first result: ms since navigation."""
    page.reload() if reload else page.goto(url)
    try:
        return page.wait_for("window.doneAt", timeout_ms=LOAD_TIMEOUT_MS)
    except Exception as error:  # name the page that never showed its result, and why
        raise RuntimeError(f"{url}: no result; {page.console_errors}") from error


def byte_counter(page):
    """A function giving the bytes the page and its workers received in the last load."""
    if page.engine != "chromium":
        return lambda: page.evaluate(TIMELINE_BYTES)
    sizes = []
    page.playwright_page.context.on(
        "requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"])
    )

    def received():
        page.playwright_page.wait_for_load_state("networkidle")  # every response counted
        total = sum(sizes)
        sizes.clear()
        return total

    return received


@contextlib.contextmanager
def cold_and_warm(engine, ready):
    """Visits in a fresh page each: {"cold": [ms, bytes], "warm": [median ms of WARM_RELOADS
    reloads, bytes of the first]}."""

    def visit(url):
        with fresh_page(engine, ready) as page:
            received = byte_counter(page)
            loads = [(load(page, url, reload=n > 0), received()) for n in range(1 + WARM_RELOADS)]
            page.assert_offline_and_quiet()
        return {"cold": loads[0], "warm": (statistics.median(m for m, _ in loads[1:]), loads[1][1])}

    yield visit


@contextlib.contextmanager
def returning(engine, ready):
    """Visits in one page, the cache warm: ms to the first result, and first_result.py's
    segment_get from call to answer and from navigation to the call (page's clock)."""
    with fresh_page(engine, ready) as page:

        def visit(url):
            ms = load(page, url)
            page.assert_offline_and_quiet()
            shown = page.evaluate("({...document.getElementById('results').dataset})")
            called_ms = float(shown["calledAt"]) - page.evaluate("performance.timeOrigin")
            return {
                "first_result_ms": ms,
                "call_ms": float(shown["callMs"]),
                "called_ms": called_ms,
            }

        yield visit


def measure(
    engine, pages, runs, *, configurations=CONFIGURATIONS, visits=cold_and_warm, ready=None
):
    """{configuration label: [{page name: its visit's figures} for each run]}; pages maps names
    to URLs, each given the configuration's query."""
    figures = {}
    for configuration in configurations:
        urls = {
            name: f"{url}{'&' if '?' in url else '?'}{configuration.query}"
            for name, url in pages.items()
        }
        with visits(engine, ready) as visit:
            if len(urls) > 1:  # neither page gains from the other filling the OS's file cache
                for url in urls.values():
                    visit(url)  # untimed
            figures[configuration.label] = [
                {name: visit(urls[name]) for name in (reversed(urls) if run % 2 else urls)}
                for run in range(runs)
            ]
    return figures


def page_runs(engine, url, runs, turn=""):
    """{configuration label: [figures]}: the JSON a fresh page at url publishes in #results, a
    page per run, turn added to every other run's URL."""
    figures = {}
    for configuration in CONFIGURATIONS:
        figures[configuration.label] = []
        for run in range(runs):
            with open_page(engine, f"{url}&{configuration.query}{turn * (run % 2)}") as page:
                published = page.wait_for(
                    "document.querySelector('#results[data-done]')?.textContent",
                    timeout_ms=LOAD_TIMEOUT_MS,
                )
                page.assert_offline_and_quiet()
            figures[configuration.label].append(json.loads(published))
    return figures


def boot_cells(visits):
    """Cold boot, warm boot and cold bytes of cold_and_warm visits, medians (min-max)."""
    return [
        spread([visit["cold"][0] for visit in visits], "ms"),
        spread([visit["warm"][0] for visit in visits], "ms"),
        spread([visit["cold"][1] for visit in visits], "MB", 1e-6, 2),
    ]


def demo(runs):
    """The demo page in every configuration: the README's boot table."""
    # The widgets say "Ready." once their first segment_get result is on screen.
    ready = 'document.getElementById("status")?.textContent === "Ready."'
    with serve() as server, running("chromium") as chromium:
        samples = measure(chromium, {"demo": server.url}, runs, ready=ready)
    rows = [[label, *boot_cells([run["demo"] for run in s])] for label, s in samples.items()]
    table = markdown(["configuration", "cold boot", "warm boot", "cold bytes"], rows)
    publish("boot", table, f"{runs} runs", runs=runs, samples=samples)


def pyodide_http(runs):
    """The README's page on Pyodide without and with pyodide-http (?packages): what it costs."""
    queries = {"without": "", "with pyodide-http": "&packages"}
    pyodide = configurations(interpreter="py")
    with serve(pages=True) as server, running("chromium") as chromium:
        pages = {name: f"{server.url}bench/round_trip.html?tag{q}" for name, q in queries.items()}
        samples = measure(chromium, pages, runs, configurations=pyodide)
    rows = []
    for label, visits in samples.items():
        for kind in ("cold", "warm"):
            pairs = [(run["without"][kind], run["with pyodide-http"][kind]) for run in visits]
            cost, added = (statistics.median(b[i] - a[i] for a, b in pairs) for i in (0, 1))
            boots = [spread([pair[i][0] for pair in pairs], "ms") for i in (0, 1)]
            rows.append([label, kind, *boots, f"{cost:+,.0f} ms", f"{added / 1000:+,.0f} kB"])
    header = ["configuration", "boot", *queries, "cost (median)", "bytes added"]
    publish("packages", markdown(header, rows), f"{runs} runs", runs=runs, samples=samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="visits of each page")
    parser.add_argument("--page", choices=("demo", "pyodide-http"), default="demo")
    arguments = parser.parse_args()
    {"demo": demo, "pyodide-http": pyodide_http}[arguments.page](arguments.runs)


if __name__ == "__main__":
    main()
