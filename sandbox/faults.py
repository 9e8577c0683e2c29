"""Fault injection for the sandbox API: a thread-safe table of faults per endpoint.

A fault makes one endpoint (``get``, ``add`` or ``remove``) sleep first, then drop the
connection or answer with an HTTP error instead of doing its work. A ``hold`` fault keeps the
endpoint's requests waiting until that fault is cleared or replaced (at most MAX_LATENCY_MS),
then they proceed as the table says by then::

    faults = FaultTable()
    faults.set("get", latency_ms=300, status=503)
    faults.update({"add": {"drop": True}, "get": None})  # a PUT /_sandbox/faults body
    faults.snapshot()  # {"add": {"latency_ms": 0, "status": None, "drop": True, "hold": False}}
    faults.set("remove", hold=True)  # removes wait...
    faults.clear()  # ...and are answered now

Public names: ``FAULT_ENDPOINTS``, ``MAX_LATENCY_MS``, ``Fault``, ``FaultError``, ``FaultTable``,
``is_int``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

__all__ = ["FAULT_ENDPOINTS", "MAX_LATENCY_MS", "Fault", "FaultError", "FaultTable", "is_int"]

FAULT_ENDPOINTS = ("get", "add", "remove")
MAX_LATENCY_MS = 60_000


class FaultError(ValueError):
    """A fault or fault table that makes no sense."""


def is_int(value: object) -> bool:
    """True for real ints (bool is not accepted as a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Fault:
    """What to do to one endpoint: wait while held, sleep, then drop the connection or answer
    with ``status``."""

    latency_ms: int = 0
    status: int | None = None
    drop: bool = False
    hold: bool = False

    def __post_init__(self) -> None:
        if not is_int(self.latency_ms) or not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise FaultError(f"latency_ms must be an integer from 0 to {MAX_LATENCY_MS}.")
        if self.status is not None and (not is_int(self.status) or not 400 <= self.status <= 599):
            raise FaultError("status must be null or an integer from 400 to 599.")
        if not isinstance(self.drop, bool):
            raise FaultError("drop must be true or false.")
        if not isinstance(self.hold, bool):
            raise FaultError("hold must be true or false.")


class FaultTable:
    """Thread-safe table of faults per endpoint (``get``, ``add``, ``remove``)."""

    def __init__(self) -> None:
        # Replaced whole, never changed in place: a reader needs no lock.
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def set(
        self,
        endpoint: str,
        latency_ms: int = 0,
        status: int | None = None,
        drop: bool = False,
        hold: bool = False,
    ) -> None:
        """Replace the fault of one endpoint; raise FaultError on an unknown endpoint or value."""
        fault = {"latency_ms": latency_ms, "status": status, "drop": drop, "hold": hold}
        self.update({endpoint: fault})

    def update(self, table: object) -> None:
        """Set the faults a JSON-like table names (null clears one), leaving the others as they
        are; raise FaultError, changing nothing, when any of it makes no sense."""
        if not isinstance(table, dict):
            raise FaultError("The fault table must be a JSON object.")
        faults: dict[str, Fault | None] = {}
        for endpoint, spec in table.items():
            if endpoint not in FAULT_ENDPOINTS:
                raise FaultError("Faults can only be set for the endpoints get, add and remove.")
            if spec is not None and not isinstance(spec, dict):
                raise FaultError("Every fault must be a JSON object.")
            if spec is not None and not set(spec) <= {"latency_ms", "status", "drop", "hold"}:
                message = "A fault only accepts the fields latency_ms, status, drop and hold."
                raise FaultError(message)
            faults[endpoint] = None if spec is None else Fault(**spec)
        with self._lock:
            merged = {**self._faults, **faults}
            self._faults = {name: fault for name, fault in merged.items() if fault is not None}

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults = {}

    def get(self, endpoint: str) -> Fault | None:
        """Return the fault of an endpoint, or None."""
        return self._faults.get(endpoint)

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Return the table as plain JSON-ready data."""
        return {name: asdict(fault) for name, fault in self._faults.items()}
