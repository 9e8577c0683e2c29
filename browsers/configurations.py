"""The four ways a page runs Python, as the query string that every page here understands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Configuration:
    """One interpreter on one thread: ``id`` names tests, ``label`` tables, ``query`` pages."""

    id: str
    label: str
    query: str

    @property
    def worker(self) -> bool:
        """Whether Python runs in a worker (the page must be cross-origin isolated)."""
        return "worker" in self.query.split("&")


CONFIGURATIONS = (
    Configuration("pyodide", "Pyodide, main thread", "type=py"),
    Configuration("micropython", "MicroPython, main thread", "type=mpy"),
    Configuration("pyodide-worker", "Pyodide, worker", "type=py&worker"),
    Configuration("micropython-worker", "MicroPython, worker", "type=mpy&worker"),
)
