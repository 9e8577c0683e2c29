"""First personalised result at a 200 ms round trip: the one-tag install against today's config.

The sandbox's API answers segments/get after ROUND_TRIP_MS. bench/page.html (?suite=first_result)
has PersonaClick's loader snippet for the sandbox's stand-in SDK (/v3.js), PyScript's core.js and
one widget that awaits segment_get as soon as Python is up (bench/first_result.py). On the tag
page (?tag) personaclick_bridge.js gives Python the module and asks for the segments at page
load; on the config page the module comes through the config's [files] and the first call leaves
once Python has booted. Per configuration, one browser context: each page loaded once untimed (so
the browser's cache holds the runtimes, as for a returning shopper), then PAIRS loads of each,
taking turns tag, config. A load gives the ms from navigation until the result is on screen (the
page's window.doneAt) and the widget's own ms from its call to the answer.
"""

from bench.browser import LOAD_TIMEOUT_MS, Watcher
from bench.table import at_least, at_most, spread
from browsers import CONFIGURATIONS
from browsers.chromium import CHROMIUM, CHROMIUM_ARGS

ROUND_TRIP_MS = 200
# The tag page's first result this much sooner than the config page's (median of the pairs).
SOONER_BUDGET_MS = 150
# The widget's segment_get on the tag page, call to answer: the early call has done the waiting.
CALL_BUDGET_MS = 10
PAGES = ("tag", "config")  # the order of the loads in every pair
FIGURE = f"first result, {ROUND_TRIP_MS} ms round trip"


def load(context, watcher, url):
    """One load in a new tab: ms from navigation to the result, and the widget's call ms."""
    page = context.new_page()
    watcher.watch(page)
    page.goto(url)
    page.wait_for_function("window.doneAt !== undefined", timeout=LOAD_TIMEOUT_MS)
    figures = page.evaluate(
        """() => ({
          first_result_ms: window.doneAt,
          call_ms: Number(document.getElementById("results").dataset.callMs),
          answer: JSON.parse(document.getElementById("results").textContent),
        })"""
    )
    watcher.check(url)
    page.close()
    if not isinstance(figures.pop("answer"), list):  # the SDK's answer, not an error's text
        raise RuntimeError(f"{url}: the widget showed no segments")
    return figures


def pairs_in(browser, server, query, pairs):
    """[{"tag": figures, "config": figures}] of pairs loads in one context, caches warm."""
    context = browser.new_context()
    watcher = Watcher(context)
    url = f"{server.url}bench/page.html?suite=first_result&{query}"
    urls = {"tag": url + "&tag", "config": url}
    for page in PAGES:
        load(context, watcher, urls[page])  # untimed: fills the browser's cache
    samples = [{page: load(context, watcher, urls[page]) for page in PAGES} for _ in range(pairs)]
    context.close()
    return samples


def measure(server, playwright, pairs):
    """{configuration label: pairs of tag and config loads} with the API's answers delayed."""
    server.faults.set("get", latency_ms=ROUND_TRIP_MS)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        return {c.label: pairs_in(browser, server, c.query, pairs) for c in CONFIGURATIONS}
    finally:
        browser.close()
        server.faults.clear()


def report(table, figures):
    """Two rows a configuration: the first result, and the widget's call on the tag page."""
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
