"""The benchmarks' reports: Markdown tables, medians with min-max, budget verdicts, and the
results files in bench/results/."""

import datetime
import json
import os
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def markdown(header, rows):
    """A Markdown table: header and rows are lists of cells."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


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
        return markdown(header, self.rows)


def publish(name, printed, counts="", **report):
    """Print the date, the core count, what each median is of, and the printed table; write them
    with report to bench/results/{name}.json (report's own "table" in the file if it has one)."""
    date, cores = datetime.date.today().isoformat(), os.cpu_count()
    print(f"{date}, {cores} cores" + (f", median (min-max) of {counts}" if counts else ""))
    print(f"\n{printed}")
    report = {"table": printed, **report, "date": date, "cores": cores}
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")


def summary(values):
    """Median, min and max of several runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def spread(values, unit, scale=1.0, digits=0):
    """'median unit (min-max)' of values times scale."""
    figures = {key: f"{value * scale:,.{digits}f}" for key, value in summary(values).items()}
    unit = f" {unit}" if unit else ""
    return f"{figures['median']}{unit} ({figures['min']}-{figures['max']})"


def at_most(limit, values, text):
    """A budget on the median of values: its text and whether it holds."""
    return f"≤ {text}", summary(values)["median"] <= limit


def at_least(limit, values, text):
    return f"≥ {text}", summary(values)["median"] >= limit


def under(limit, values, text):
    return f"< {text}", summary(values)["median"] < limit
