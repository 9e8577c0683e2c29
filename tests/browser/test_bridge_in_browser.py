"""The bridge in each engine, every case of bridge_cases.py, in the four configurations
(Pyodide and MicroPython, each on the page's main thread and in a worker), one page boot each.

The module is copied by the page's config. The wheel carries it byte for byte (test_package.py),
and installs in every configuration in test_tag.py: its cases would run the same code again."""

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
# A boot and thousands of calls: a worker on WebKit takes a few milliseconds a call.
RUN_TIMEOUT_MS = 300_000


def where_it_stopped(page):
    """The case a page that never finished was running, and the last lines of its console."""
    running, console = page.evaluate(
        "[document.getElementById('results').dataset.running ?? null, "
        "(window.pageWatch?.console ?? []).slice(-20)]"
    )
    return f"running {running or 'no case yet'}; console ends with {console}"


@pytest.fixture(scope="module", params=CONFIGURATIONS, ids=str)
def cases_run(request, engine, sandbox):
    """Load the case page once per configuration; it runs every case and publishes the results."""
    page = engine.new_page()
    try:
        page.goto(f"{sandbox.url}tests/browser/bridge.html?{request.param.query}")
        try:
            results = page.wait_for(
                "document.querySelector('#results[data-done]')?.textContent",
                timeout_ms=RUN_TIMEOUT_MS,
            )
        except TimeoutError as timeout:
            raise TimeoutError(f"{timeout}; {where_it_stopped(page)}") from timeout
        yield page, json.loads(results)
    finally:
        page.close()


@pytest.mark.parametrize("case", CASES)
def test_case(cases_run, case):
    """Each in-browser case passed in the real runtime."""
    _, results = cases_run
    assert results[case] == "passed", results[case]


def test_cases_page_stayed_offline_and_quiet(cases_run):
    """The case page ran every case, made no request beyond 127.0.0.1, logged no error."""
    page, results = cases_run
    assert sorted(results) == sorted(CASES)
    page.assert_offline_and_quiet()
