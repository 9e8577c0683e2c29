"""axe-core's accessibility check in a page of any engine: ``violations(page)`` lists what it finds.

axe-core comes from node_modules (package.json pins it; ``make test`` installs it with npm ci).
"""

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Indirect eval runs the script as the page's own, once per document; it defines window.axe.
INJECT = "source => { if (!window.axe) (0, eval)(source); }"
# The result lands on window, then is waited for: no engine's driver has to hold the promise.
RUN = """() => {
  window.axeOutcome = null;
  axe.run(document).then(
    (results) => { window.axeOutcome = { violations: results.violations.map((rule) => ({
      id: rule.id, impact: rule.impact, help: rule.help,
      targets: rule.nodes.map((node) => node.target.join(" ")) })) }; },
    (error) => { window.axeOutcome = { error: String(error) }; },
  );
}"""
TIMEOUT_MS = 60_000


def violations(page):
    """axe-core's violations in the page as it is now: id, impact, help and the targets."""
    page.evaluate(INJECT, AXE.read_text())
    page.evaluate(RUN)
    outcome = page.wait_for("window.axeOutcome", timeout_ms=TIMEOUT_MS)
    assert "error" not in outcome, outcome["error"]
    return outcome["violations"]
