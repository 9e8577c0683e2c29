"""Boot time and bytes of the demo page in each configuration, cold and warm, on this machine.

Serves the repository with the sandbox (cross-origin isolated, as workers need), opens the demo
page in headless Chromium with a fresh profile (cold), then reloads it (warm: the median of three
reloads), and times the navigation until the widgets show their first segment_get result
("Ready."). Prints a Markdown table of medians (with min-max) and writes the figures to
bench/results/boot.json.

    make boot-table    # or: .venv/bin/python -m bench.boot --runs 5
"""

import argparse
import json
import os

from bench.browser import ROOT, cold_and_warm, stamp_when
from bench.table import summary
from browsers import CONFIGURATIONS, running, serve

# The widgets say "Ready." once their first segment_get result is on screen.
READY = stamp_when('document.getElementById("status")?.textContent === "Ready."')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    results = {}
    with serve() as server, running("chromium") as chromium:
        for configuration in CONFIGURATIONS:
            name, query = configuration.label, configuration.query
            url = f"{server.url}?{query}"
            samples = [cold_and_warm(chromium, url, READY) for _ in range(runs)]
            results[name] = {
                kind: {
                    "ms": summary([sample[kind][0] for sample in samples]),
                    "bytes": summary([sample[kind][1] for sample in samples]),
                }
                for kind in ("cold", "warm")
            }
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
