"""Benchmarks: the bridge side by side with hand-written glue and pure JavaScript, with budgets.

Serves the repository on 127.0.0.1 and drives headless Chromium through bench/page.html:

- boot: navigation to the first segment_get result, cold (fresh profile) and warm (the median
  of three reloads), with the bridge and with the hand-written glue of bench/glue.py, and the
  bytes received;
- per call: sequential segment_get against an SDK that answers in a microtask, with the bridge,
  the glue and pure JavaScript (the floor), on each interpreter, on the page and in a worker,
  awaited at top level, in an ``@when`` click handler and in an ``asyncio`` task;
- five widgets booting: five concurrent segment_get against the sandbox's stand-in SDK, with
  the SDK calls, HTTP requests and time to the last answer, bridge and glue;
- concurrency: 1 to 1,000 concurrent calls answered after a fixed delay, beside as many bare
  ``asyncio.sleep`` calls of that delay (the event loop's own floor);
- memory: Python objects (heap bytes on MicroPython) and the page's JS heap after a forced GC,
  before and after 10,000 calls ending in answers, timeouts and SDK errors; on MicroPython the
  heap after 10k to 80k calls beside as many bare promise awaits (the runtime's own floor).

Each figure is the median of several runs (min-max beside it): --boot-runs loads of each boot
page, --runs loads of the calls and widgets pages per configuration. Each ratio is taken within
one run.
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
    LOAD_TIMEOUT_MS,
    ROOT,
    Watcher,
    cold_and_warm,
    served_chromium,
    stamp_when,
    summary,
)
from browsers import CONFIGURATIONS
from browsers.chromium import CHROMIUM

INTERPRETERS = {"Pyodide": "type=py", "MicroPython": "type=mpy"}
BOOT_RATIO_BUDGET = 1.05
PER_CALL_RATIO_BUDGET = 1.25
# Pyodide's main thread, the common storefront set-up: the bridge may cost no more than the glue.
PYODIDE_MAIN_PER_CALL_BUDGET = 1.0
MEMORY_GROWTH_BUDGET = 0.01
WIDGETS_BUDGET = {"sdk_calls": 1, "http_requests": 1}
CONTEXTS = {"top_level": "top-level await", "click": "@when click handler", "task": "asyncio task"}
CONCURRENT_DELAYS_BUDGET = 3
DONE = stamp_when('document.getElementById("results")?.hasAttribute("data-done")')


def boot(server, playwright, runs):
    """Cold and warm boot of the bridge's page and the glue's page, first one then the other."""
    figures = {}
    for name, query in INTERPRETERS.items():
        if runs == 0:
            break
        urls = {"bridge": f"{server.url}bench/page.html?suite=boot&{query}"}
        urls["glue"] = urls["bridge"] + "&glue"
        cold_and_warm(playwright, urls["glue"], DONE)  # untimed: the OS caches the files first
        samples = []
        for run in range(runs):
            order = ("bridge", "glue") if run % 2 == 0 else ("glue", "bridge")
            samples.append({page: cold_and_warm(playwright, urls[page], DONE) for page in order})
        figures[name] = samples
    return figures


def page_runs(server, playwright, suite, runs):
    """The figures a bench page publishes, from a fresh page per run in each configuration."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BENCH_ARGS)
    figures = {}
    for configuration in CONFIGURATIONS:
        name, query = configuration.label, configuration.query
        figures[name] = []
        for run in range(runs):
            context = browser.new_context()
            watcher = Watcher(context)
            page = context.new_page()
            watcher.watch(page)
            turn = "&glue_first" if run % 2 else ""
            url = f"{server.url}bench/page.html?suite={suite}&{query}{turn}"
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
        for context, label in CONTEXTS.items():
            per_call = [s["per_call_us"][context] for s in samples]
            if "glue" not in per_call[0]:
                table.add(f"per call, {label}", name, spread([s["bridge"] for s in per_call], "µs"))
                continue
            ratios = [s["ratio"] for s in per_call]
            limit = PER_CALL_RATIO_BUDGET
            if name == "Pyodide, main thread":
                limit = PYODIDE_MAIN_PER_CALL_BUDGET
            table.add(
                f"per call, {label}",
                name,
                spread([s["bridge"] for s in per_call], "µs"),
                "glue " + spread([s["glue"] for s in per_call], "µs"),
                ratios=spread(ratios, "", digits=2),
                budget=at_most(limit, ratios, f"{limit}×"),
            )
        table.add(
            "per call, top-level await",
            name,
            spread([s["per_call_us"]["top_level"]["bridge"] for s in samples], "µs"),
            "pure JS " + spread([s["per_call_us"]["js"] for s in samples], "µs", digits=1),
            ratios=spread(
                [s["per_call_us"]["top_level"]["bridge"] / s["per_call_us"]["js"] for s in samples],
                "",
            ),
        )


def report_widgets(table, figures):
    for name, samples in figures.items():
        for key, label in (("sdk_calls", "SDK calls"), ("http_requests", "HTTP requests")):
            limit = WIDGETS_BUDGET[key]
            table.add(
                f"five widgets boot: {label}",
                name,
                spread([s["bridge"][key] for s in samples], ""),
                "glue " + spread([s["glue"][key] for s in samples], ""),
                budget=(f"= {limit}", all(s["bridge"][key] == limit for s in samples)),
            )
        table.add(
            "five widgets boot: last answer",
            name,
            spread([s["bridge"]["last_answer_ms"] for s in samples], "ms"),
            "glue " + spread([s["glue"]["last_answer_ms"] for s in samples], "ms"),
            ratios=spread(
                [s["bridge"]["last_answer_ms"] / s["glue"]["last_answer_ms"] for s in samples],
                "",
                digits=2,
            ),
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
            if key == "python_heap_bytes":
                continue  # MicroPython's heap is held to its own floor: report_heap_floor
            growths = [growth(m["before"][key], m["after"][key]) for m in memory]
            table.add(
                f"memory after {calls_made:,} calls: {key.replace('_', ' ')}",
                name,
                spread([m["after"][key] for m in memory], ""),
                "before " + spread([m["before"][key] for m in memory], ""),
                ratios=spread(growths, "%", 100, 2) + " growth",
                budget=under(MEMORY_GROWTH_BUDGET, growths, f"{MEMORY_GROWTH_BUDGET:.0%}"),
            )


def report_heap_floor(table, figures):
    """MicroPython's heap after 20k-80k calls: the bridge's growth since 10k beside bare awaits'."""
    for name, samples in figures.items():
        floors = [s["heap_floor"] for s in samples if "heap_floor" in s]
        if not floors:
            continue
        first, *checkpoints = floors[0]["bridge"]
        for checkpoint in checkpoints:
            # The bridge's growth since the first reading, less the bare awaits', in heap shares.
            excess = [
                (
                    (f["bridge"][checkpoint] - f["bridge"][first])
                    - (f["bare"][checkpoint] - f["bare"][first])
                )
                / f["bridge"][checkpoint]
                for f in floors
            ]
            table.add(
                f"python heap after {int(checkpoint):,} calls (from {int(first):,})",
                name,
                spread([f["bridge"][checkpoint] for f in floors], "B")
                + " from "
                + spread([f["bridge"][first] for f in floors], "B"),
                "bare awaits "
                + spread([f["bare"][checkpoint] for f in floors], "B")
                + " from "
                + spread([f["bare"][first] for f in floors], "B"),
                ratios=spread(excess, "%", 100, 2) + " of the heap beyond bare growth",
                budget=at_most(MEMORY_GROWTH_BUDGET, excess, f"{MEMORY_GROWTH_BUDGET:.0%}"),
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the calls and widgets pages")
    # Boot times swing most on a shared machine, and a boot costs seconds, not minutes.
    parser.add_argument(
        "--boot-runs", type=int, default=11, help="runs of each boot page (0: no boot rows)"
    )
    arguments = parser.parse_args()
    runs = arguments.runs
    with served_chromium(pages=True) as (server, playwright):
        boot_figures = boot(server, playwright, arguments.boot_runs)
        call_figures = page_runs(server, playwright, "calls", runs)
        widget_figures = page_runs(server, playwright, "widgets", runs)
    table = Table()
    report_boot(table, boot_figures)
    report_per_call(table, call_figures)
    report_widgets(table, widget_figures)
    report_concurrency(table, call_figures)
    report_memory(table, call_figures)
    report_heap_floor(table, call_figures)
    date = datetime.date.today().isoformat()
    print(
        f"{date}, {os.cpu_count()} cores, median (min-max) of {arguments.boot_runs} boots "
        f"per page and {runs} runs of the calls and widgets pages\n"
    )
    print(table.markdown())
    report = {
        "date": date,
        "cores": os.cpu_count(),
        "boot_runs": arguments.boot_runs,
        "runs": runs,
        "table": table.rows,
        "failed_budgets": table.failures,
        "samples": {"boot": boot_figures, "calls": call_figures, "widgets": widget_figures},
    }
    (ROOT / "bench" / "results" / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    if table.failures:
        print("\nbudgets missed: " + "; ".join(table.failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
