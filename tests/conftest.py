"""Options for every layer: ``--engine`` picks the browser tests' engines (default: all)."""

from browsers import ENGINES


def pytest_addoption(parser):
    parser.addoption(
        "--engine",
        action="append",
        choices=ENGINES,
        help="run the browser tests on this engine only (repeatable; default: all three)",
    )
