"""Options for every layer: ``--engine`` picks the browser tests' engines (default: all).

Under pytest-xdist (``make test`` runs ``-n 2``) the browser tests keep one worker to themselves,
in their usual order, while the unit and sandbox tests run in the other: two browsers side by
side on a 2-core machine once left a Chromium MicroPython worker page that never finished.
"""

import pytest

from browsers import ENGINES


def pytest_addoption(parser):
    parser.addoption(
        "--engine",
        action="append",
        choices=ENGINES,
        help="run the browser tests on this engine only (repeatable; default: all three)",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Each layer of tests/ is one unit of work, run in order by one worker."""
    # Imported here: without pytest-xdist the tests run in one process, as they should.
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerPerLayer(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return nodeid.split("/")[1]  # tests/<layer>/...

    return OneWorkerPerLayer(config, log)
