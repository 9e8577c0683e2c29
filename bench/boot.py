"""Boot time and bytes of the demo page in each configuration, cold and warm, on this machine.

Serves the repository with the sandbox (cross-origin isolated, as workers need), opens the demo
page in headless Chromium with a fresh profile (cold), then reloads it (warm), and times the
navigation until the widgets show their first segment_get result ("Ready."). Prints a Markdown
table of medians (with min-max) and writes the figures to bench/results/boot.json.

    make boot-table    # or: .venv/bin/python -m bench.boot --runs 5
"""

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from sandbox.server import start_server
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATIONS = {
    "Pyodide, main thread": "?type=py",
    "MicroPython, main thread": "?type=mpy",
    "Pyodide, worker": "?type=py&worker",
    "MicroPython, worker": "?type=mpy&worker",
}
# Stamps the moment the status line first says "Ready.", without polling from outside.
MARK_READY = """
new MutationObserver((_, observer) => {
  const status = document.getElementById("status");
  if (status && status.textContent === "Ready.") {
    window.readyAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def load(page, url, transferred):
    """Navigate (or reload) and return milliseconds to Ready. and the bytes received."""
    transferred.clear()
    if url:
        page.goto(url)
    else:
        page.reload()
    page.wait_for_function("window.readyAt !== undefined", timeout=120_000)
    return page.evaluate("window.readyAt"), sum(transferred)


def measure(playwright, url):
    """One cold load in a new profile, then one warm reload of the same page."""
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        transferred = []
        context.on(
            "requestfinished",
            lambda request: transferred.append(request.sizes()["responseBodySize"]),
        )
        context.add_init_script(MARK_READY)
        page = context.new_page()
        cold = load(page, url, transferred)
        warm = load(page, None, transferred)
        context.close()
    return {"cold": cold, "warm": warm}


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    results = {}
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        server = start_server(root=ROOT, data_dir=data, isolate=True)
        try:
            for name, query in CONFIGURATIONS.items():
                samples = [measure(playwright, server.url + query) for _ in range(runs)]
                results[name] = {
                    kind: {
                        "ms": summary([sample[kind][0] for sample in samples]),
                        "bytes": summary([sample[kind][1] for sample in samples]),
                    }
                    for kind in ("cold", "warm")
                }
        finally:
            server.close()
    report = {"runs": runs, "cores": os.cpu_count(), "results": results}
    (ROOT / "bench" / "results" / "boot.json").write_text(json.dumps(report, indent=2) + "\n")
    header = f"configuration ({runs} runs, {os.cpu_count()} cores)"
    print(f"| {header} | cold boot | warm boot | cold bytes |")
    print("| --- | --- | --- | --- |")
    for name, figures in results.items():
        cold, warm = figures["cold"]["ms"], figures["warm"]["ms"]
        print(
            f"| {name} | {cold['median']:.0f} ms ({cold['min']:.0f}-{cold['max']:.0f}) "
            f"| {warm['median']:.0f} ms ({warm['min']:.0f}-{warm['max']:.0f}) "
            f"| {figures['cold']['bytes']['median'] / 1e6:.2f} MB |"
        )


if __name__ == "__main__":
    main()
