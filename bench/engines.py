"""Boot and per-call figures of the bridge on each engine, in each configuration: one table.

Serves the repository with the sandbox (cross-origin isolated, as workers need) and drives each
engine of the browser harness through bench/page.html with the scripted stand-in SDK:

- boot: navigation until the first segment_get result, in a fresh page (cold) and over three
  reloads (warm, their median), and the bytes the cold load transferred (page and worker);
- per call: 2,000 sequential segment_get against an SDK that answers in a microtask, beside the
  same loop in pure JavaScript.

Each figure is the median of --runs pages (min-max beside it). Prints one Markdown table with the
date and core count, writes it with every sample to bench/results/engines.json, and exits 1 when
a worker call takes 2 ms or more on some engine.

    make bench-engines    # or: .venv/bin/python -m bench.engines --runs 3 --engine webkit
"""

import argparse
import datetime
import json
import os
import statistics
import sys

from bench.browser import PAGE_FIGURES, ROOT
from bench.table import spread, summary
from browsers import CONFIGURATIONS, ENGINES, running, serve

WORKER_CALL_BUDGET_US = 2000
WARM_RELOADS = 3
# page.html stamps window.doneAt (ms since navigation) when the first result arrives.
DONE = "document.querySelector('#results[data-done]') && window.doneAt"
# Bytes of the page's own downloads, plus its worker's, which the page's timeline does not hold.
BYTES = """() => {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ];
  const worker = Number(document.getElementById("results").dataset.workerBytes || 0);
  return entries.reduce((sum, entry) => sum + entry.transferSize, 0) + worker;
}"""


def boot(engine, url):
    """Cold boot in a fresh page, then the median of warm reloads; and the cold bytes."""
    page = engine.new_page()
    try:
        page.goto(url)
        cold_ms = page.wait_for(DONE)
        cold_bytes = page.evaluate(BYTES)
        warm = []
        for _ in range(WARM_RELOADS):
            page.reload()
            warm.append(page.wait_for(DONE))
        page.assert_offline_and_quiet()
    finally:
        page.close()
    return {"cold_ms": cold_ms, "warm_ms": statistics.median(warm), "cold_bytes": cold_bytes}


def per_call(engine, url):
    """Microseconds per sequential call, the bridge's and pure JavaScript's."""
    page = engine.new_page()
    try:
        page.goto(url)
        figures = json.loads(page.wait_for(PAGE_FIGURES))
        page.assert_offline_and_quiet()
    finally:
        page.close()
    return figures


def measure(engine_names, runs):
    """{engine: {configuration label: {"boot": [samples], "per_call": [samples]}}}."""
    figures = {}
    with serve(pages=True) as sandbox:
        for name in engine_names:
            with running(name) as engine:
                figures[name] = {}
                for configuration in CONFIGURATIONS:
                    url = f"{sandbox.url}bench/page.html?{configuration.query}&suite="
                    figures[name][configuration.label] = {
                        "boot": [boot(engine, url + "boot") for _ in range(runs)],
                        "per_call": [per_call(engine, url + "per_call") for _ in range(runs)],
                    }
    return figures


def table(figures):
    """The Markdown table, and the engine and configuration of each missed target."""
    header = ["engine", "configuration", "cold boot", "warm boot", "cold bytes", "per call"]
    header += ["pure JS per call", "worker call < 2 ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    missed = []
    for engine, configurations in figures.items():
        for label, samples in configurations.items():
            boots, calls = samples["boot"], samples["per_call"]
            bridge_us = [sample["bridge_us"] for sample in calls]
            verdict = ""
            if "worker" in label:
                holds = summary(bridge_us)["median"] < WORKER_CALL_BUDGET_US
                verdict = "pass" if holds else "FAIL"
                if not holds:
                    missed.append(f"{engine}, {label}")
            row = [
                engine,
                label,
                spread([sample["cold_ms"] for sample in boots], "ms"),
                spread([sample["warm_ms"] for sample in boots], "ms"),
                spread([sample["cold_bytes"] for sample in boots], "MB", 1e-6, 2),
                spread(bridge_us, "µs"),
                spread([sample["js_us"] for sample in calls], "µs", digits=1),
                verdict,
            ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines), missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pages per figure")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="default: all three")
    arguments = parser.parse_args()
    engines = arguments.engine or list(ENGINES)
    figures = measure(engines, arguments.runs)
    markdown, missed = table(figures)
    date = datetime.date.today().isoformat()
    print(f"{date}, {os.cpu_count()} cores, median (min-max) of {arguments.runs} pages\n")
    print(markdown)
    report = {"date": date, "cores": os.cpu_count(), "runs": arguments.runs}
    report |= {"table": markdown, "missed": missed, "samples": figures}
    (ROOT / "bench" / "results" / "engines.json").write_text(json.dumps(report, indent=2) + "\n")
    if missed:
        print("\nworker calls of 2 ms or more: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
