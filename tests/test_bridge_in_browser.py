"""The bridge in real Pyodide in headless Chromium: every case of browser/bridge_cases.py."""

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


@pytest.fixture(scope="module")
def cases_run(browser, server):
    """Load the case page once; it runs every case and publishes a result per case."""
    watched = WatchedPage(browser)
    watched.page.goto(server.url + "tests/browser/bridge.html")
    results = watched.page.wait_for_selector("#results[data-done]", timeout=BOOT_TIMEOUT_MS)
    yield watched, json.loads(results.text_content())
    watched.close()


@pytest.mark.parametrize("case", CASES)
def test_case(cases_run, case):
    """Each in-browser case passed in the real runtime."""
    _, results = cases_run
    assert results[case] == "passed", results[case]


def test_cases_page_stayed_offline_and_quiet(cases_run):
    """The case page made no request beyond 127.0.0.1 and logged no console error."""
    watched, results = cases_run
    assert sorted(results) == sorted(CASES)
    watched.assert_offline_and_quiet()
