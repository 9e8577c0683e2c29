"""Boot and per-call figures of the bridge on each engine, in each configuration: one table.

Serves the repository with the sandbox and drives each engine of the browser harness through
bench/page.html with the scripted stand-in SDK: boot, bench/boot.py's cold and warm visits of
the boot page with the bytes of the cold load (page and worker); per call, 2,000 sequential
segment_get against an SDK that answers in a microtask, beside the same loop in pure JavaScript
(bench/per_call.py). Each figure is the median of --runs pages (min-max beside it). Prints one
Markdown table, writes it with every sample to bench/results/engines.json, and exits 1 when a
worker call takes 2 ms or more on some engine.

    make bench-engines    # or: .venv/bin/python -m bench.engines --runs 3 --engine webkit
"""

import argparse
import sys

from bench.boot import boot_cells, measure, page_runs
from bench.table import markdown, publish, spread, summary
from browsers import ENGINES, running, serve

WORKER_CALL_BUDGET_US = 2000


def on_engine(server, name, runs):
    """{configuration label: {"boot": [visits], "per_call": [figures]}} on one engine."""
    url = f"{server.url}bench/page.html?suite="
    with running(name) as engine:
        boots = measure(engine, {"boot": url + "boot"}, runs)
        calls = page_runs(engine, url + "per_call", runs)
    return {
        label: {"boot": [run["boot"] for run in boots[label]], "per_call": calls[label]}
        for label in boots
    }


def rows(figures):
    """The table's rows, and the engine and configuration of each missed target."""
    lines, missed = [], []
    for engine, configurations in figures.items():
        for label, samples in configurations.items():
            calls = samples["per_call"]
            bridge_us = [sample["bridge_us"] for sample in calls]
            verdict = ""
            if "worker" in label:
                holds = summary(bridge_us)["median"] < WORKER_CALL_BUDGET_US
                verdict = "pass" if holds else "FAIL"
                missed += [] if holds else [f"{engine}, {label}"]
            lines.append(
                [engine, label, *boot_cells(samples["boot"]), spread(bridge_us, "µs")]
                + [spread([sample["js_us"] for sample in calls], "µs", digits=1), verdict]
            )
    return lines, missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pages per figure")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="default: all three")
    arguments = parser.parse_args()
    with serve(pages=True) as server:
        figures = {
            name: on_engine(server, name, arguments.runs) for name in arguments.engine or ENGINES
        }
    lines, missed = rows(figures)
    header = ["engine", "configuration", "cold boot", "warm boot", "cold bytes", "per call"]
    table = markdown([*header, "pure JS per call", "worker call < 2 ms"], lines)
    publish(
        "engines",
        table,
        f"{arguments.runs} pages",
        runs=arguments.runs,
        missed=missed,
        samples=figures,
    )
    if missed:
        print("\nworker calls of 2 ms or more: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
