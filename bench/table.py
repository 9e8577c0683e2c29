"""The report's one Markdown table: rows of figures, medians with min-max, and budget verdicts."""

import statistics


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
