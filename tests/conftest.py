"""Options for every layer: ``--engine`` picks the browser tests' engines (default: all; the
list and its check live with the browser layer, in tests/browser/conftest.py).

Under pytest-xdist (``make test`` runs ``-n 2``) the suite splits in two halves of about equal
time, each run in order by one worker: Chromium's and Firefox's tests; WebKit's, then the unit
and sandbox tests. So each worker drives one browser at a time, and each bridge case page is
loaded once, by the worker that runs its tests.
"""

import pytest


def pytest_addoption(parser):
    # Declared here, for every layer's command line; no import: the unit layer loads no browser.
    parser.addoption(
        "--engine",
        action="append",
        help="run the browser tests on this engine only: chromium, firefox or webkit "
        "(repeatable; default: all three)",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Schedule the two halves, one to a worker."""
    # Imported here: without pytest-xdist the tests run in one process, as they should.
    from xdist.scheduler import LoadScopeScheduling

    class TwoHalves(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            # A browser test's id names its engine: test_case[webkit-pyodide-...].
            params = set(nodeid.partition("[")[2].rstrip("]").split("-"))
            return "chromium and firefox" if params & {"chromium", "firefox"} else "the rest"

    return TwoHalves(config, log)
