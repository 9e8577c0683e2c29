"""The bridge in each engine, every case of bridge_cases.py, in the four configurations
(Pyodide and MicroPython, each on the page's main thread and in a worker) and once more on each
interpreter with the bridge installed from the built wheel (make test builds it into dist/)."""

import ast
import json
from pathlib import Path

import pytest

from browsers import CONFIGURATIONS

CASES_FILE = Path(__file__).with_name("bridge_cases.py")
CASES = [
    node.name
    for node in ast.parse(CASES_FILE.read_text()).body
    if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("case_")
]
# The wheel installs the same module: its runs skip the memory case, which measures the runtime.
MEMORY_CASE = "case_no_leaks_over_thousands_of_calls"
RUNS = {configuration.id: configuration.query for configuration in CONFIGURATIONS}
RUNS |= {
    "pyodide-from-wheel": f"type=py&wheel&skip={MEMORY_CASE}",
    "micropython-from-wheel": f"type=mpy&wheel&skip={MEMORY_CASE}",
}
# A boot and thousands of calls: a worker on WebKit takes a few milliseconds a call.
RUN_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module", params=RUNS)
def cases_run(request, engine, sandbox):
    """Load the case page once per run; it runs every case and publishes the results."""
    page = engine.new_page()
    try:
        page.goto(f"{sandbox.url}tests/browser/bridge.html?{RUNS[request.param]}")
        results = page.wait_for(
            "document.querySelector('#results[data-done]')?.textContent", timeout_ms=RUN_TIMEOUT_MS
        )
        yield request.param, page, json.loads(results)
    finally:
        page.close()


@pytest.mark.parametrize("case", CASES)
def test_case(cases_run, case):
    """Each in-browser case passed in the real runtime."""
    run, _, results = cases_run
    if case not in results and f"skip={case}" in RUNS[run]:
        pytest.skip("measures the runtime: runs once per interpreter and thread, from the module")
    assert results[case] == "passed", results[case]


def test_cases_page_stayed_offline_and_quiet(cases_run):
    """The case page ran every case, made no request beyond 127.0.0.1, logged no error."""
    run, page, results = cases_run
    assert sorted(results) == sorted(case for case in CASES if f"skip={case}" not in RUNS[run])
    page.assert_offline_and_quiet()
