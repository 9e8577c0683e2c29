"""Browser fixtures: one sandbox and one engine per session, a fresh watched page per test.

Every browser test runs on each engine chosen with ``--engine`` (default: all three).
"""

import pytest

from browsers import ENGINES, running, serve


def pytest_generate_tests(metafunc):
    if "engine_name" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("engine") or list(ENGINES)
        unknown = sorted(set(chosen) - set(ENGINES))
        if unknown:
            raise pytest.UsageError(f"--engine: no engine {unknown}; choose from {list(ENGINES)}")
        metafunc.parametrize("engine_name", chosen, scope="session")


@pytest.fixture(scope="session")
def engine(engine_name):
    """The engine under test, started once per session (WebKit on its baseline wasm tier)."""
    with running(engine_name, baseline_wasm=True) as started:
        yield started


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox serving the test pages, cross-origin isolated as PyScript workers need."""
    with serve(pages=True) as started:
        yield started


@pytest.fixture
def page(engine):
    """A fresh page; the test fails if it reached beyond 127.0.0.1 or logged an error."""
    watched = engine.new_page()
    yield watched
    try:
        watched.assert_offline_and_quiet()
    finally:
        watched.close()
