"""The bridge in headless Chromium, every case of browser/bridge_cases.py, in four runtimes:
Pyodide and MicroPython, each on the page's main thread and in a worker; and once more on each
interpreter with the bridge installed from the built wheel (make test builds it into dist/)."""

import ast
import json
from pathlib import Path

import pytest

from conftest import BOOT_TIMEOUT_MS, WatchedPage

CASES_FILE = Path(__file__).parent / "browser" / "bridge_cases.py"
CASES = [
    node.name
    for node in ast.parse(CASES_FILE.read_text()).body
    if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("case_")
]
RUNTIMES = {
    "pyodide": "type=py",
    "micropython": "type=mpy",
    "pyodide-worker": "type=py&worker",
    "micropython-worker": "type=mpy&worker",
    "pyodide-from-wheel": "type=py&wheel",
    "micropython-from-wheel": "type=mpy&wheel",
}


@pytest.fixture(scope="module", params=RUNTIMES)
def cases_run(request, browser, isolated_server):
    """Load the case page once per runtime; it runs every case and publishes the results."""
    watched = WatchedPage(browser)
    watched.page.goto(f"{isolated_server.url}tests/browser/bridge.html?{RUNTIMES[request.param]}")
    results = watched.page.wait_for_selector("#results[data-done]", timeout=BOOT_TIMEOUT_MS)
    yield watched, json.loads(results.text_content())
    watched.close()


@pytest.mark.parametrize("case", CASES)
def test_case(cases_run, case):
    """Each in-browser case passed in the real runtime."""
    _, results = cases_run
    assert results[case] == "passed", results[case]


def test_cases_page_stayed_offline_and_quiet(cases_run):
    """The case page ran every case, made no request beyond 127.0.0.1, logged no console error."""
    watched, results = cases_run
    assert sorted(results) == sorted(CASES)
    watched.assert_offline_and_quiet()
