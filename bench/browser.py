"""What the benchmarks share: the harness's Chromium with the bench's flags, what a bench page
publishes, and page loads timed cold and warm."""

import statistics
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# gc() and exact heap sizes for the memory figures; neither changes how pages run.
BENCH_ARGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")
LOAD_TIMEOUT_MS = 600_000
# The figures a bench page publishes, once it has them all.
PAGE_FIGURES = "document.querySelector('#results[data-done]')?.textContent"


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


# The moment a bench page has published its figures.
STAMP_DONE = stamp_when('document.getElementById("results")?.hasAttribute("data-done")')


def cold_and_warm(chromium, url, init_script, warm_reloads=3):
    """Load url in a fresh profile of the harness's chromium (cold), then reload it (warm, the
    median of warm_reloads).

    Returns {"cold": (ms until doneAt, bytes), "warm": (ms, bytes of the first reload)}.
    """
    with tempfile.TemporaryDirectory() as profile:
        page = chromium.new_page(profile=Path(profile))
        try:
            transferred = []
            page.playwright_page.context.on(
                "requestfinished",
                lambda request: transferred.append(request.sizes()["responseBodySize"]),
            )
            page.add_init_script(init_script)
            loads = []
            for load in range(1 + warm_reloads):
                transferred.clear()
                page.reload() if load else page.goto(url)
                page.wait_for("window.doneAt !== undefined", timeout_ms=LOAD_TIMEOUT_MS)
                # Every response counted before summing.
                page.playwright_page.wait_for_load_state("networkidle")
                loads.append((page.evaluate("window.doneAt"), sum(transferred)))
            page.assert_offline_and_quiet()
        finally:
            page.close()
    warm_ms = statistics.median(ms for ms, _ in loads[1:])
    return {"cold": loads[0], "warm": (warm_ms, loads[1][1])}
