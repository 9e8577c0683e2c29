"""Benchmarks: the bridge side by side with hand-written glue and pure JavaScript, with budgets.

Serves the repository on 127.0.0.1 and drives the harness's headless Chromium (browsers/)
through bench/page.html:

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
  heap after 10k to 80k calls beside as many bare promise awaits (the runtime's own floor);
- first result at a 200 ms round trip: navigation to the first segment_get result with the
  personaclick_bridge.js tag and with today's config, taking turns (bench/round_trip.py).

Each figure is the median of several runs (min-max beside it): --boot-runs loads of each boot
page, --runs loads of the calls and widgets pages, --pairs tag/config pairs per configuration.
Each ratio is taken within one run. --only runs one benchmark.
Prints one Markdown table, writes it with every sample to bench/results/bench.json (with --only,
over the other benchmarks' samples from their last run), and exits 1 when a budget fails.

    make bench    # or: .venv/bin/python -m bench --runs 5 --boot-runs 11 --pairs 5
    .venv/bin/python -m bench --only first-result
"""

import argparse
import datetime
import json
import os
import sys

from bench import round_trip
from bench.browser import BENCH_ARGS, LOAD_TIMEOUT_MS, PAGE_FIGURES, ROOT, STAMP_DONE, cold_and_warm
from bench.table import Table, at_most, spread, under
from browsers import CONFIGURATIONS, open_page, running, serve

INTERPRETERS = {"Pyodide": "type=py", "MicroPython": "type=mpy"}
BOOT_RATIO_BUDGET = 1.05
PER_CALL_RATIO_BUDGET = 1.25
# Pyodide's main thread, the common storefront set-up: the bridge may cost no more than the glue.
PYODIDE_MAIN_PER_CALL_BUDGET = 1.0
MEMORY_GROWTH_BUDGET = 0.01
WIDGETS_BUDGET = {"sdk_calls": 1, "http_requests": 1}
CONTEXTS = {"top_level": "top-level await", "click": "@when click handler", "task": "asyncio task"}
CONCURRENT_DELAYS_BUDGET = 3


def boot(server, runs):
    """Cold and warm boot of the bridge's page and the glue's page, first one then the other."""
    figures = {}
    if runs == 0:
        return figures
    with running("chromium") as chromium:
        for name, query in INTERPRETERS.items():
            urls = {"bridge": f"{server.url}bench/page.html?suite=boot&{query}"}
            urls["glue"] = urls["bridge"] + "&glue"
            cold_and_warm(chromium, urls["glue"], STAMP_DONE)  # untimed: the OS caches files
            samples = []
            for run in range(runs):
                order = ("bridge", "glue") if run % 2 == 0 else ("glue", "bridge")
                samples.append(
                    {page: cold_and_warm(chromium, urls[page], STAMP_DONE) for page in order}
                )
            figures[name] = samples
    return figures


def page_runs(server, suite, runs):
    """The figures a bench page publishes, from a fresh page per run in each configuration."""
    figures = {}
    with running("chromium", chromium_args=BENCH_ARGS) as chromium:
        for configuration in CONFIGURATIONS:
            name, query = configuration.label, configuration.query
            figures[name] = []
            for run in range(runs):
                turn = "&glue_first" if run % 2 else ""
                url = f"{server.url}bench/page.html?suite={suite}&{query}{turn}"
                with open_page(chromium, url) as page:
                    results = page.wait_for(PAGE_FIGURES, timeout_ms=LOAD_TIMEOUT_MS)
                    page.assert_offline_and_quiet()
                figures[name].append(json.loads(results))
    return figures


def growth(before, after):
    return (after - before) / before


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


# The benchmarks, each one's samples under its name in bench.json, and the rows they make in
# the table's order.
BENCHMARKS = ("boot", "calls", "widgets", "first-result")
REPORTS = (
    ("boot", report_boot),
    ("calls", report_per_call),
    ("widgets", report_widgets),
    ("calls", report_concurrency),
    ("calls", report_memory),
    ("calls", report_heap_floor),
    ("first-result", round_trip.report),
)
RESULTS = ROOT / "bench" / "results" / "bench.json"


def tabled(samples):
    """The table of the benchmarks whose samples are given."""
    table = Table()
    for name, report in REPORTS:
        if name in samples:
            report(table, samples[name])
    return table


def stored(date, settings, samples):
    """bench.json: this run's settings and samples over an earlier run's for benchmarks left out,
    with the date each benchmark last ran, and the table of them all."""
    report = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    earlier = report.get("samples", {})
    dates = report.get("dates") or dict.fromkeys(earlier, report.get("date"))
    merged = {**earlier, **samples}
    table = tabled(merged)
    return {
        **report,
        **settings,
        "date": date,
        "dates": {**dates, **dict.fromkeys(samples, date)},
        "cores": os.cpu_count(),
        "table": table.rows,
        "failed_budgets": table.failures,
        "samples": merged,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the calls and widgets pages")
    # Boot times swing most on a shared machine, and a boot costs seconds, not minutes.
    parser.add_argument(
        "--boot-runs", type=int, default=11, help="runs of each boot page (0: no boot rows)"
    )
    parser.add_argument(
        "--pairs", type=int, default=5, help="tag/config page pairs per configuration"
    )
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        help="run one benchmark; bench.json keeps the others' samples from their last run",
    )
    arguments = parser.parse_args()
    runs, pairs = arguments.runs, arguments.pairs
    ran = BENCHMARKS if arguments.only is None else (arguments.only,)
    with serve(pages=True) as server:
        measures = {
            "boot": lambda: boot(server, arguments.boot_runs),
            "calls": lambda: page_runs(server, "calls", runs),
            "widgets": lambda: page_runs(server, "widgets", runs),
            "first-result": lambda: round_trip.measure(server, pairs),
        }
        samples = {name: measures[name]() for name in ran}
    settings = {
        "boot": {"boot_runs": arguments.boot_runs},
        "calls": {"runs": runs},
        "widgets": {"runs": runs},
        "first-result": {"pairs": pairs, "round_trip_ms": round_trip.ROUND_TRIP_MS},
    }
    counts = {
        "boot": f"{arguments.boot_runs} boots per page",
        "calls": f"{runs} runs of the calls page",
        "widgets": f"{runs} runs of the widgets page",
        "first-result": f"{pairs} tag/config pairs per configuration",
    }
    date = datetime.date.today().isoformat()
    print(
        f"{date}, {os.cpu_count()} cores, median (min-max) of "
        + ", ".join(counts[name] for name in ran)
        + "\n"
    )
    table = tabled(samples)
    print(table.markdown())
    run_settings = {key: value for name in ran for key, value in settings[name].items()}
    RESULTS.write_text(json.dumps(stored(date, run_settings, samples), indent=2) + "\n")
    if table.failures:
        print("\nbudgets missed: " + "; ".join(table.failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
