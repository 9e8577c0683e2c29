"""First personalised result at a 200 ms round trip: the one-tag install against today's config.

The sandbox's API answers segments/get after ROUND_TRIP_MS. bench/round_trip.html is the README's
whole page in its order: PersonaClick's loader snippet for the sandbox's stand-in SDK (/v3.js),
the tag (?tag), PyScript's core.js and one widget that awaits segment_get as soon as Python is up
(bench/first_result.py). On the tag page (?tag) personaclick_bridge.js gives Python the module
and asks for the segments at page load; on the config page the module comes through the config's
[files] and the first call leaves once Python has booted. Per configuration, one browser context
of the harness's Chromium, each load in a new tab: each page loaded once untimed (so the browser's
cache holds the runtimes, as for a returning shopper), then PAIRS loads of each, taking turns tag,
config. A load gives the ms from navigation until the result is on screen (window.doneAt, stamped
by an init script), the widget's own ms from its call to the answer, and the ms from navigation
until that call left.
"""

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.browser import STAMP_DONE
from bench.table import at_least, at_most, spread
from browsers import CONFIGURATIONS, running

ROUND_TRIP_MS = 200
# The tag page's first result this much sooner than the config page's (median of the pairs).
SOONER_BUDGET_MS = 150
# The widget's segment_get on the tag page, call to answer: the early call has done the waiting.
CALL_BUDGET_MS = 10
PAGES = ("tag", "config")  # the order of the loads in every pair
FIGURE = f"first result, {ROUND_TRIP_MS} ms round trip"
FIGURES = """() => ({
  first_result_ms: window.doneAt,
  call_ms: Number(document.getElementById("results").dataset.callMs),
  called_ms: document.getElementById("results").dataset.calledAt - performance.timeOrigin,
  answer: JSON.parse(document.getElementById("results").textContent),
})"""


def load(page, url):
    """One load in a new tab: ms from navigation to the result, and the widget's call ms."""
    page.new_tab()
    page.goto(url)
    try:
        # Warm loads take seconds even on a loaded machine: the harness's wait is long enough.
        page.wait_for("window.doneAt !== undefined")
    except PlaywrightTimeoutError as error:  # name the page that never showed its result
        raise RuntimeError(f"{url}: no result; {page.console_errors}") from error
    figures = page.evaluate(FIGURES)
    page.assert_offline_and_quiet()
    if not isinstance(figures.pop("answer"), list):  # the SDK's answer, not an error's text
        raise RuntimeError(f"{url}: the widget showed no segments")
    return figures


def pairs_in(chromium, server, query, pairs):
    """[{"tag": figures, "config": figures}] of pairs loads in one context, caches warm."""
    url = f"{server.url}bench/round_trip.html?{query}"
    urls = {"tag": url + "&tag", "config": url}
    page = chromium.new_page()
    try:
        page.add_init_script(STAMP_DONE)
        for name in PAGES:
            load(page, urls[name])  # untimed: fills the browser's cache
        return [{name: load(page, urls[name]) for name in PAGES} for _ in range(pairs)]
    finally:
        page.close()


def measure(server, pairs):
    """{configuration label: pairs of tag and config loads} with the API's answers delayed."""
    server.faults.set("get", latency_ms=ROUND_TRIP_MS)
    try:
        with running("chromium") as chromium:
            return {c.label: pairs_in(chromium, server, c.query, pairs) for c in CONFIGURATIONS}
    finally:
        server.faults.clear()


def report(table, figures):
    """Rows a configuration: the first result, the widget's call to answer (budgets), and when
    the call left (what the tag's own boot work costs)."""
    for name, samples in figures.items():
        tag, config = ([s[page] for s in samples] for page in PAGES)
        sooner = [s["config"]["first_result_ms"] - s["tag"]["first_result_ms"] for s in samples]
        table.add(
            FIGURE,
            name,
            "tag " + spread([t["first_result_ms"] for t in tag], "ms"),
            "config " + spread([c["first_result_ms"] for c in config], "ms"),
            ratios=spread(sooner, "ms") + " sooner",
            budget=at_least(SOONER_BUDGET_MS, sooner, f"{SOONER_BUDGET_MS} ms sooner"),
        )
        calls = [t["call_ms"] for t in tag]
        table.add(
            f"{FIGURE}: widget's segment_get, call to answer",
            name,
            "tag " + spread(calls, "ms", digits=1),
            "config " + spread([c["call_ms"] for c in config], "ms", digits=1),
            budget=at_most(CALL_BUDGET_MS, calls, f"{CALL_BUDGET_MS} ms"),
        )
        later = [s["tag"]["called_ms"] - s["config"]["called_ms"] for s in samples]
        table.add(
            f"{FIGURE}: navigation to the widget's call",
            name,
            "tag " + spread([t["called_ms"] for t in tag], "ms"),
            "config " + spread([c["called_ms"] for c in config], "ms"),
            ratios=spread(later, "ms") + " tag − config",
        )
