"""Benchmarks: the bridge side by side with hand-written glue and pure JavaScript, with budgets.

Serves the repository on 127.0.0.1 and drives headless Chromium through bench/page.html:

- boot: navigation to the first segment_get result, cold (fresh profile) and warm (the median
  of three reloads), with the bridge and with the hand-written glue of bench/glue.py, and the
  bytes received;
- per call: sequential segment_get against an SDK that answers in a microtask, with the bridge,
  the glue and pure JavaScript (the floor), on each interpreter, on the page and in a worker;
- concurrency: 1 to 1,000 concurrent calls answered after a fixed delay, beside as many bare
  ``asyncio.sleep`` calls of that delay (the event loop's own floor);
- memory: Python objects (heap bytes on MicroPython) and the page's JS heap after a forced GC,
  before and after 10,000 calls ending in answers, timeouts and SDK errors.

Each figure is the median of several runs (min-max beside it): --boot-runs loads of each boot
page, --runs loads of the calls page per configuration. Each ratio is taken within one run.
Prints one Markdown table, writes it with every sample to bench/results/bench.json, and exits 1
when a budget fails.

    make bench    # or: .venv/bin/python -m bench --runs 5 --boot-runs 11
"""

import argparse
import datetime
import json
import os
import sys

from bench.browser import (
    BENCH_ARGS,
    CONFIGURATIONS,
    LOAD_TIMEOUT_MS,
    ROOT,
    Watcher,
    cold_and_warm,
    served_chromium,
    stamp_when,
    summary,
)
from tests.chromium import CHROMIUM

INTERPRETERS = {"Pyodide": "type=py", "MicroPython": "type=mpy"}
BOOT_RATIO_BUDGET = 1.05
PER_CALL_RATIO_BUDGET = 1.25
MEMORY_GROWTH_BUDGET = 0.01
CONCURRENT_DELAYS_BUDGET = 3
DONE = stamp_when('document.getElementById("results")?.hasAttribute("data-done")')


def boot(server, playwright, runs):
    """Cold and warm boot of the bridge's page and the glue's page, first one then the other."""
    figures = {}
    for name, query in INTERPRETERS.items():
        urls = {"bridge": f"{server.url}bench/page.html?suite=boot&{query}"}
        urls["glue"] = urls["bridge"] + "&glue"
        cold_and_warm(playwright, urls["glue"], DONE)  # untimed: the OS caches the files first
        samples = []
        for run in range(runs):
            order = ("bridge", "glue") if run % 2 == 0 else ("glue", "bridge")
            samples.append({page: cold_and_warm(playwright, urls[page], DONE) for page in order})
        figures[name] = samples
    return figures


def calls(server, playwright, runs):
    """The figures calls.py publishes, from a fresh page per run in each configuration."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BENCH_ARGS)
    figures = {}
    for name, query in CONFIGURATIONS.items():
        figures[name] = []
        for _ in range(runs):
            context = browser.new_context()
            watcher = Watcher(context)
            page = context.new_page()
            watcher.watch(page)
            url = f"{server.url}bench/page.html?suite=calls&{query}"
            page.goto(url)
            results = page.wait_for_selector("#results[data-done]", timeout=LOAD_TIMEOUT_MS)
            watcher.check(url)
            figures[name].append(json.loads(results.text_content()))
            context.close()
    browser.close()
    return figures


def growth(before, after):
    return (after - before) / before


class Table:
    """Rows of the report: what was measured, the figures, and the budget's verdict if any."""

    def __init__(self):
        self.rows = []
        self.failures = []

    def add(self, figure, configuration, bridge, other="", *, ratios=None, budget=None):
        verdict = ""
        if budget is not None:
            text, holds = budget
            verdict = f"{text}: {'pass' if holds else 'FAIL'}"
            if not holds:
                self.failures.append(f"{figure}, {configuration}")
        self.rows.append([figure, configuration, bridge, other, ratios or "", verdict])

    def markdown(self):
        header = ["figure", "configuration", "bridge", "compared with", "ratio", "budget"]
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def spread(values, unit, scale=1.0, digits=0):
    """'median unit (min-max)' of values times scale."""
    figures = {key: f"{value * scale:,.{digits}f}" for key, value in summary(values).items()}
    unit = f" {unit}" if unit else ""
    return f"{figures['median']}{unit} ({figures['min']}-{figures['max']})"


def at_most(limit, values, text):
    """A budget on the median of values: its text and whether it holds."""
    return f"≤ {text}", summary(values)["median"] <= limit


def under(limit, values, text):
    return f"< {text}", summary(values)["median"] < limit


def report_boot(table, figures):
    for name, samples in figures.items():
        for kind in ("cold", "warm"):
            ratios = [s["bridge"][kind][0] / s["glue"][kind][0] for s in samples]
            table.add(
                f"boot, {kind}",
                name,
                spread([s["bridge"][kind][0] for s in samples], "ms"),
                "glue " + spread([s["glue"][kind][0] for s in samples], "ms"),
                ratios=spread(ratios, "", digits=3),
                budget=at_most(BOOT_RATIO_BUDGET, ratios, f"{BOOT_RATIO_BUDGET}×"),
            )
        table.add(
            "bytes, cold",
            name,
            spread([s["bridge"]["cold"][1] for s in samples], "MB", 1e-6, 3),
            "glue " + spread([s["glue"]["cold"][1] for s in samples], "MB", 1e-6, 3),
        )


def report_per_call(table, figures):
    for name, samples in figures.items():
        per_call = [s["per_call_us"] for s in samples]
        bridge = spread([s["bridge"] for s in per_call], "µs")
        ratios = [s["bridge"] / s["glue"] for s in per_call]
        table.add(
            "per call",
            name,
            bridge,
            "glue " + spread([s["glue"] for s in per_call], "µs"),
            ratios=spread(ratios, "", digits=2),
            budget=at_most(PER_CALL_RATIO_BUDGET, ratios, f"{PER_CALL_RATIO_BUDGET}×"),
        )
        table.add(
            "per call",
            name,
            bridge,
            "pure JS " + spread([s["js"] for s in per_call], "µs", digits=1),
            ratios=spread([s["bridge"] / s["js"] for s in per_call], ""),
        )


def report_concurrency(table, figures):
    for name, samples in figures.items():
        runs = [s["concurrency"] for s in samples]
        delay = runs[0]["delay_ms"]
        for count in runs[0]["bridge_ms"]:
            in_delays = [r["bridge_ms"][count] / delay for r in runs]
            table.add(
                f"{count} concurrent, {delay} ms delay",
                name,
                spread([r["bridge_ms"][count] for r in runs], "ms"),
                "asyncio.sleep " + spread([r["sleep_ms"][count] for r in runs], "ms"),
                ratios=spread(in_delays, "delays", digits=2),
                budget=(
                    under(CONCURRENT_DELAYS_BUDGET, in_delays, f"{CONCURRENT_DELAYS_BUDGET} delays")
                    if count == "1000"
                    else None
                ),
            )


def report_memory(table, figures):
    for name, samples in figures.items():
        memory = [s["memory"] for s in samples]
        calls_made = memory[0]["calls"]
        for key in memory[0]["before"]:
            growths = [growth(m["before"][key], m["after"][key]) for m in memory]
            table.add(
                f"memory after {calls_made:,} calls: {key.replace('_', ' ')}",
                name,
                spread([m["after"][key] for m in memory], ""),
                "before " + spread([m["before"][key] for m in memory], ""),
                ratios=spread(growths, "%", 100, 2) + " growth",
                budget=under(MEMORY_GROWTH_BUDGET, growths, f"{MEMORY_GROWTH_BUDGET:.0%}"),
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the calls page")
    # Boot times swing most on a shared machine, and a boot costs seconds, not minutes.
    parser.add_argument("--boot-runs", type=int, default=11, help="runs of each boot page")
    arguments = parser.parse_args()
    runs = arguments.runs
    with served_chromium(pages=True) as (server, playwright):
        boot_figures = boot(server, playwright, arguments.boot_runs)
        call_figures = calls(server, playwright, runs)
    table = Table()
    report_boot(table, boot_figures)
    report_per_call(table, call_figures)
    report_concurrency(table, call_figures)
    report_memory(table, call_figures)
    date = datetime.date.today().isoformat()
    print(
        f"{date}, {os.cpu_count()} cores, median (min-max) of {arguments.boot_runs} boots "
        f"per page and {runs} runs of the calls page\n"
    )
    print(table.markdown())
    report = {
        "date": date,
        "cores": os.cpu_count(),
        "boot_runs": arguments.boot_runs,
        "runs": runs,
        "table": table.rows,
        "failed_budgets": table.failures,
        "samples": {"boot": boot_figures, "calls": call_figures},
    }
    (ROOT / "bench" / "results" / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    if table.failures:
        print("\nbudgets missed: " + "; ".join(table.failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
