"""Options for every layer: ``--engine`` picks the browser tests' engines (default: all; the
list and its check live with the browser layer, in tests/browser/conftest.py).

Under pytest-xdist (``make test`` runs ``-n 2``) each worker runs one engine's tests at a time,
so each engine starts once a worker and each bridge case page loads once: WebKit's first (its
pages take longest), while the other worker takes Chromium's, then Firefox's; the tests that
need no browser go to whichever worker is free first.
"""

import pytest

# The order the engines' tests are handed out in: the slowest first.
ENGINE_ORDER = ("webkit", "chromium", "firefox")
NO_ENGINE = "no browser"


def pytest_addoption(parser):
    # Declared here, for every layer's command line; no import: the unit layer loads no browser.
    parser.addoption(
        "--engine",
        action="append",
        help="run the browser tests on this engine only: chromium, firefox or webkit "
        "(repeatable; default: all three)",
    )


def engine_of(nodeid):
    """The engine a test runs on, which its id names (test_case[webkit-pyodide-...]), or
    NO_ENGINE."""
    params = set(nodeid.partition("[")[2].rstrip("]").split("-"))
    return next((engine for engine in ENGINE_ORDER if engine in params), NO_ENGINE)


def pytest_collection_modifyitems(items):
    """The slowest engine's tests first; each engine's in the order pytest collected them."""
    rank = {name: index for index, name in enumerate((*ENGINE_ORDER, NO_ENGINE))}
    items.sort(key=lambda item: rank[engine_of(item.nodeid)])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Hand out one engine's tests at a time, in the order collected."""
    # Imported here: without pytest-xdist the tests run in one process, as they should.
    from xdist.scheduler import LoadScopeScheduling

    class OneEngineAtATime(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return engine_of(nodeid)

    config.option.loadscopereorder = False  # collection order: the slowest engine first
    return OneEngineAtATime(config, log)
