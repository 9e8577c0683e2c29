"""Benchmarks: the bridge side by side with hand-written glue and pure JavaScript, with budgets.

Serves the repository on 127.0.0.1 and drives the harness's headless Chromium (browsers/) through
bench/page.html and bench/round_trip.html; bench/README.md says what each benchmark measures:

- boot: the bridge's page and the glue's (bench/glue.py), cold and warm, on the main thread;
- calls (bench/calls.py): per call at top level, in a click handler and in a task, beside the
  glue and pure JavaScript; concurrent calls beside bare sleeps; memory after 10,000 calls;
- widgets (bench/widgets.py): five widgets booting at once, bridge and glue;
- first-result: the README's page at a 200 ms round trip, with the tag and with the config.

The boot and first-result pages are driven by bench/boot.py. Each figure is the median of
--boot-runs, --runs or --pairs runs (min-max beside it); each ratio is taken within one run.
--only runs one benchmark. Prints one Markdown table, writes it with every sample to
bench/results/bench.json (with --only, over the other benchmarks' samples from their last run),
and exits 1 when a budget fails.

    make bench    # or: .venv/bin/python -m bench --runs 5 --boot-runs 11 --pairs 5
    .venv/bin/python -m bench --only first-result
"""

import argparse
import datetime
import json
import sys

from bench import boot
from bench.table import RESULTS, Table, at_least, at_most, publish, spread, under
from browsers import configurations, running, serve

# gc() and exact heap sizes for the memory figures; neither changes how pages run.
BENCH_ARGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")
BOOT_RATIO_BUDGET = 1.05
PER_CALL_RATIO_BUDGET = 1.25
# Pyodide's main thread, the common storefront set-up: the bridge may cost no more than the glue.
PYODIDE_MAIN_PER_CALL_BUDGET = 1.0
MEMORY_GROWTH_BUDGET = 0.01
WIDGETS_BUDGET = {"sdk_calls": 1, "http_requests": 1}
CONTEXTS = {"top_level": "top-level await", "click": "@when click handler", "task": "asyncio task"}
CONCURRENT_DELAYS_BUDGET = 3
ROUND_TRIP_MS = 200
# The tag page's first result this much sooner than the config page's (median of the pairs).
SOONER_BUDGET_MS = 150
# The widget's segment_get on the tag page, call to answer: the early call has done the waiting.
CALL_BUDGET_MS = 10
FIRST_RESULT = f"first result, {ROUND_TRIP_MS} ms round trip"


def boots(server, runs):
    """Cold and warm boot of the bridge's page and the glue's page on the main thread."""
    url = f"{server.url}bench/page.html?suite=boot"
    main_thread = configurations(worker=False)
    with running("chromium") as chromium:
        pages = {"bridge": url, "glue": url + "&glue"}
        return boot.measure(chromium, pages, runs, configurations=main_thread)


def page_runs(server, suite, runs):
    """The figures of a calls or widgets page, bridge and glue taking turns at going first."""
    with running("chromium", chromium_args=BENCH_ARGS) as chromium:
        url = f"{server.url}bench/page.html?suite={suite}"
        return boot.page_runs(chromium, url, runs, turn="&glue_first")


def first_results(server, pairs):
    """Pairs of tag and config page loads, caches warm, the API's answers delayed."""
    url = f"{server.url}bench/round_trip.html"
    server.faults.set("get", latency_ms=ROUND_TRIP_MS)
    try:
        with running("chromium") as chromium:
            pages = {"tag": url + "?tag", "config": url}
            return boot.measure(chromium, pages, pairs, visits=boot.returning)
    finally:
        server.faults.clear()


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


def report_first_result(table, figures):
    """Rows a configuration: the first result, the widget's call to answer (budgets), and when
    the call left (what the tag's own boot work costs)."""
    for name, samples in figures.items():
        tag, config = ([s[page] for s in samples] for page in ("tag", "config"))
        sooner = [s["config"]["first_result_ms"] - s["tag"]["first_result_ms"] for s in samples]
        table.add(
            FIRST_RESULT,
            name,
            "tag " + spread([t["first_result_ms"] for t in tag], "ms"),
            "config " + spread([c["first_result_ms"] for c in config], "ms"),
            ratios=spread(sooner, "ms") + " sooner",
            budget=at_least(SOONER_BUDGET_MS, sooner, f"{SOONER_BUDGET_MS} ms sooner"),
        )
        calls = [t["call_ms"] for t in tag]
        table.add(
            f"{FIRST_RESULT}: widget's segment_get, call to answer",
            name,
            "tag " + spread(calls, "ms", digits=1),
            "config " + spread([c["call_ms"] for c in config], "ms", digits=1),
            budget=at_most(CALL_BUDGET_MS, calls, f"{CALL_BUDGET_MS} ms"),
        )
        later = [s["tag"]["called_ms"] - s["config"]["called_ms"] for s in samples]
        table.add(
            f"{FIRST_RESULT}: navigation to the widget's call",
            name,
            "tag " + spread([t["called_ms"] for t in tag], "ms"),
            "config " + spread([c["called_ms"] for c in config], "ms"),
            ratios=spread(later, "ms") + " tag − config",
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
    ("first-result", report_first_result),
)


def tabled(samples):
    """The table of the benchmarks whose samples are given."""
    table = Table()
    for name, report in REPORTS:
        if name in samples:
            report(table, samples[name])
    return table


def stored(settings, samples):
    """bench.json: this run's settings and samples over an earlier run's for benchmarks left out,
    with the date each benchmark last ran, and the table of them all."""
    path = RESULTS / "bench.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    earlier = report.get("samples", {})
    dates = report.get("dates") or dict.fromkeys(earlier, report.get("date"))
    merged = {**earlier, **samples}
    table = tabled(merged)
    today = datetime.date.today().isoformat()
    return {
        **report,
        **settings,
        "dates": {**dates, **dict.fromkeys(samples, today)},
        "table": table.rows,
        "failed_budgets": table.failures,
        "samples": merged,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the calls and widgets pages")
    # Boot times swing most on a shared machine, and a boot costs seconds, not minutes.
    parser.add_argument("--boot-runs", type=int, default=11, help="runs of each boot page")
    parser.add_argument("--pairs", type=int, default=5, help="tag/config pairs per configuration")
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        help="run one benchmark; bench.json keeps the others' samples from their last run",
    )
    arguments = parser.parse_args()
    runs, boot_runs, pairs = arguments.runs, arguments.boot_runs, arguments.pairs
    ran = BENCHMARKS if arguments.only is None else (arguments.only,)
    with serve(pages=True) as server:
        measures = {
            "boot": lambda: boots(server, boot_runs),
            "calls": lambda: page_runs(server, "calls", runs),
            "widgets": lambda: page_runs(server, "widgets", runs),
            "first-result": lambda: first_results(server, pairs),
        }
        samples = {name: measures[name]() for name in ran}
    settings = {
        "boot": ({"boot_runs": boot_runs}, f"{boot_runs} boots per page"),
        "calls": ({"runs": runs}, f"{runs} runs of the calls page"),
        "widgets": ({"runs": runs}, f"{runs} runs of the widgets page"),
        "first-result": (
            {"pairs": pairs, "round_trip_ms": ROUND_TRIP_MS},
            f"{pairs} tag/config pairs per configuration",
        ),
    }
    counts = ", ".join(settings[name][1] for name in ran)
    run_settings = {key: value for name in ran for key, value in settings[name][0].items()}
    table = tabled(samples)
    publish("bench", table.markdown(), counts, **stored(run_settings, samples))
    if table.failures:
        print("\nbudgets missed: " + "; ".join(table.failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
