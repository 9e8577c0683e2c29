"""What the benchmarks share: the sandbox server, headless Chromium, page loads and medians."""

import contextlib
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from sandbox.server import start_server
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.served_pages import page_folder

ROOT = Path(__file__).resolve().parent.parent
# gc() and exact heap sizes for the memory figures; neither changes how pages run.
BENCH_ARGS = [*CHROMIUM_ARGS, "--js-flags=--expose-gc", "--enable-precise-memory-info"]
LOAD_TIMEOUT_MS = 600_000
# The four ways a page runs Python, as the query that the demo and bench pages understand.
CONFIGURATIONS = {
    "Pyodide, main thread": "type=py",
    "MicroPython, main thread": "type=mpy",
    "Pyodide, worker": "type=py&worker",
    "MicroPython, worker": "type=mpy&worker",
}


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
def served_chromium(pages=False):
    """The demo (or with pages, the test and bench pages) served cross-origin isolated by the
    sandbox, and Playwright; both closed on the way out."""
    with tempfile.TemporaryDirectory() as temp, sync_playwright() as playwright:
        root = page_folder(Path(temp) / "pages") if pages else None
        server = start_server(root=root, data_dir=Path(temp) / "data", isolate=True)
        try:
            yield server, playwright
        finally:
            server.close()


class Watcher:
    """Console errors and requests beyond 127.0.0.1 make a measurement worthless: refuse them."""

    def __init__(self, context):
        self.problems = []
        context.on("request", self._on_request)

    def watch(self, page):
        page.on("console", self._on_console)
        page.on("worker", lambda worker: worker.on("console", self._on_console))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _on_request(self, request):
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            self.problems.append(f"request beyond 127.0.0.1: {request.url}")

    def _on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def check(self, url):
        if self.problems:
            raise RuntimeError(f"{url}: " + "; ".join(self.problems))


def cold_and_warm(playwright, url, init_script, warm_reloads=3):
    """Load url in a fresh profile (cold), then reload it (warm, the median of warm_reloads).

    Returns {"cold": (ms until doneAt, bytes), "warm": (ms, bytes of the first reload)}.
    """
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        watcher = Watcher(context)
        transferred = []
        context.on(
            "requestfinished",
            lambda request: transferred.append(request.sizes()["responseBodySize"]),
        )
        context.add_init_script(init_script)
        page = context.new_page()
        watcher.watch(page)
        loads = []
        for load in range(1 + warm_reloads):
            transferred.clear()
            page.reload() if load else page.goto(url)
            page.wait_for_function("window.doneAt !== undefined", timeout=LOAD_TIMEOUT_MS)
            page.wait_for_load_state("networkidle")  # every response counted before summing
            loads.append((page.evaluate("window.doneAt"), sum(transferred)))
        watcher.check(url)
        context.close()
    warm_ms = statistics.median(ms for ms, _ in loads[1:])
    return {"cold": loads[0], "warm": (warm_ms, loads[1][1])}


def summary(values):
    """Median, min and max of several runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
