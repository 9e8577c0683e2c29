"""The largest segment_get answer MicroPython's default heap in PyScript takes in, per engine.

Serves the repository with the sandbox and runs bench/answer_sizes.py through bench/page.html in
MicroPython on the main thread and in a worker, on each engine: one answer a fresh page, its
size bisected to 16 KiB between what parses and what runs out of memory. Prints one Markdown
table beside the bridge's MAX_ANSWER_BYTES and writes it to bench/results/headroom.json.
(Pyodide's heap grows to the browser's limit: it is not measured.)

    make bench-headroom    # or: .venv/bin/python -m bench.headroom --engine chromium
"""

import argparse
import json

from bench.table import markdown, publish
from browsers import CONFIGURATIONS, ENGINES, open_page, running, serve
from personaclick_bridge import MAX_ANSWER_BYTES

# The page's figures, or null once the interpreter ran out of memory: a MemoryError, or a
# WebAssembly memory that could not grow, which aborts it before the page publishes anything.
RESULTS_OR_NULL = """
document.querySelector('#results[data-done]')?.textContent ||
  ((window.pageWatch?.console ?? []).some((line) => /MemoryError|enlarge memory/.test(line)) &&
    "null")
"""
STEP_BYTES = 16 * 1024
LARGEST_TRIED = 4 * 1024 * 1024
CAP_COLUMN = f"times MAX_ANSWER_BYTES ({MAX_ANSWER_BYTES // 1024} KiB)"


def taken_in(engine, url, size):
    """Whether a fresh page's interpreter takes in and parses an answer of size bytes."""
    with open_page(engine, f"{url}&bytes={size}") as page:
        figures = json.loads(page.wait_for(RESULTS_OR_NULL))
    return figures is not None and figures["taken_in"]


def ceiling(engine, url):
    """The largest answer taken in, to STEP_BYTES, bisected between 0 and LARGEST_TRIED."""
    low, high = 0, LARGEST_TRIED  # taken in at low; high is known to fail or is the end
    if taken_in(engine, url, high):
        return high
    while high - low > STEP_BYTES:
        middle = (low + high) // 2
        low, high = (middle, high) if taken_in(engine, url, middle) else (low, middle)
    return low


def measure(engine_names):
    """{engine: {configuration label: largest bytes}}, MicroPython configurations only."""
    figures = {}
    with serve(pages=True) as sandbox:
        for name in engine_names:
            with running(name) as engine:
                figures[name] = {
                    configuration.label: ceiling(
                        engine, f"{sandbox.url}bench/page.html?{configuration.query}&suite=headroom"
                    )
                    for configuration in CONFIGURATIONS
                    if "type=mpy" in configuration.query
                }
    return figures


def table(figures):
    rows = [
        [engine, label, f"{largest / 1024:,.0f} KiB", f"{largest / MAX_ANSWER_BYTES:.1f}"]
        for engine, configurations in figures.items()
        for label, largest in configurations.items()
    ]
    header = ["engine", "configuration", "largest answer taken in", CAP_COLUMN]
    return markdown(header, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=ENGINES, help="default: all three")
    engines = parser.parse_args().engine or list(ENGINES)
    publish("headroom", table(measure(engines)))


if __name__ == "__main__":
    main()
