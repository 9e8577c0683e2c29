"""What pyodide-http costs a Pyodide page at boot: the README's recipe beside the same page
without it.

bench/round_trip.html?tag (the README's whole page, its widget awaiting one segment_get) loads
with and without ``packages = ["pyodide-http"]`` in the widget's config (?packages: micropip,
then the pinned pyodide-http wheel, both served from vendor/pyodide/), on Pyodide's main thread
and in a worker, cold (a fresh profile) and warm (the median of three reloads), taking turns.
Prints the medians (min-max) of --runs loads and the cost of the packages, and writes the
samples to bench/results/packages.json.

    .venv/bin/python -m bench.packages --runs 3
"""

import argparse
import json
import os
import statistics

from bench.browser import ROOT, STAMP_DONE, cold_and_warm
from bench.table import spread
from browsers import CONFIGURATIONS, running, serve

PYODIDE = [c for c in CONFIGURATIONS if c.query.startswith("type=py")]
PAGES = {"without": "", "with pyodide-http": "&packages"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    samples = {}
    with serve(pages=True) as server, running("chromium") as chromium:
        for configuration in PYODIDE:
            url = f"{server.url}bench/round_trip.html?tag&{configuration.query}"
            loads = {page: [] for page in PAGES}
            for _ in range(runs):
                for page, query in PAGES.items():
                    loads[page].append(cold_and_warm(chromium, url + query, STAMP_DONE))
            samples[configuration.label] = loads
    report = {"runs": runs, "cores": os.cpu_count(), "samples": samples}
    (ROOT / "bench" / "results" / "packages.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{runs} runs, {os.cpu_count()} cores, median (min-max)\n")
    print("| configuration | boot | without | with pyodide-http | cost (median) | bytes added |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, loads in samples.items():
        for kind in ("cold", "warm"):
            without, with_http = ([load[kind][0] for load in loads[page]] for page in PAGES)
            cost = statistics.median(w - o for w, o in zip(with_http, without, strict=True))
            without_bytes, with_bytes = (
                statistics.median(load[kind][1] for load in loads[page]) for page in PAGES
            )
            print(
                f"| {name} | {kind} | {spread(without, 'ms')} | {spread(with_http, 'ms')} "
                f"| {cost:+.0f} ms | {(with_bytes - without_bytes) / 1000:+,.0f} kB |"
            )


if __name__ == "__main__":
    main()
