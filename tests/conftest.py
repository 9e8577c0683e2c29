"""Options for every layer: ``--engine`` picks the browser tests' engines (default: all)."""

import re

from browsers import ENGINES


def pytest_addoption(parser):
    parser.addoption(
        "--engine",
        action="append",
        choices=ENGINES,
        help="run the browser tests on this engine only (repeatable; default: all three)",
    )


# A bridge case test's id ends in its case; the id without it names the case page it reads.
CASE_IN_ID = re.compile(r"-case_\w+\]$")


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (make test runs two workers), the tests that read one bridge case
    page run on the worker that loads it; every other test goes wherever a worker is free."""
    from xdist.scheduler import LoadScopeScheduling

    class CasePagesStayTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            if "/test_bridge_in_browser.py::" not in nodeid:
                return nodeid
            module, _, test = nodeid.partition("::")
            return module + CASE_IN_ID.sub("]", test[test.index("[") :])

    return CasePagesStayTogether(config, log)
