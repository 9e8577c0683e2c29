"""Fault injection for the sandbox API: a thread-safe table of faults per endpoint.

A fault makes one endpoint (``get``, ``add`` or ``remove``) sleep first, then drop the
connection or answer with an HTTP error instead of doing its work::

    from sandbox.faults import FaultTable

    faults = FaultTable()
    faults.set("get", latency_ms=300, status=503)
    faults.snapshot()  # {"get": {"latency_ms": 300, "status": 503, "drop": False}}
    faults.clear()

Public names: ``FAULT_ENDPOINTS``, ``MAX_LATENCY_MS``, ``Fault``, ``FaultTable``, ``FaultError``,
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


@dataclass(frozen=True)
class Fault:
    """What to do to one endpoint: sleep, then drop the connection or answer with ``status``."""

    latency_ms: int = 0
    status: int | None = None
    drop: bool = False

    def __post_init__(self) -> None:
        """Refuse values outside the documented ranges."""
        if not is_int(self.latency_ms) or not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise FaultError(f"latency_ms must be an integer from 0 to {MAX_LATENCY_MS}.")
        if self.status is not None and (not is_int(self.status) or not 400 <= self.status <= 599):
            raise FaultError("status must be null or an integer from 400 to 599.")
        if not isinstance(self.drop, bool):
            raise FaultError("drop must be true or false.")


class FaultTable:
    """Thread-safe table of faults per endpoint (``get``, ``add``, ``remove``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def set(
        self, endpoint: str, latency_ms: int = 0, status: int | None = None, drop: bool = False
    ) -> None:
        """Replace the fault of one endpoint; raise FaultError on an unknown endpoint or value."""
        _check_endpoint(endpoint)
        fault = Fault(latency_ms=latency_ms, status=status, drop=drop)
        with self._lock:
            self._faults[endpoint] = fault

    def update(self, faults: dict[str, Fault | None]) -> None:
        """Set the faults of the endpoints named (None clears one); leave the others as they are."""
        for endpoint in faults:
            _check_endpoint(endpoint)
        with self._lock:
            self._faults.update(faults)
            self._faults = {name: f for name, f in self._faults.items() if f is not None}

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults = {}

    def get(self, endpoint: str) -> Fault | None:
        """Return the fault of an endpoint, or None."""
        with self._lock:
            return self._faults.get(endpoint)

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Return the table as plain JSON-ready data."""
        with self._lock:
            return {name: asdict(fault) for name, fault in self._faults.items()}

    @staticmethod
    def parse(payload: object) -> dict[str, Fault | None]:
        """Turn a ``PUT /_sandbox/faults`` body into faults (null: none); raise FaultError."""
        if not isinstance(payload, dict):
            raise FaultError("The fault table must be a JSON object.")
        faults: dict[str, Fault | None] = {}
        for endpoint, spec in payload.items():
            _check_endpoint(endpoint)
            if spec is None:
                faults[endpoint] = None
                continue
            if not isinstance(spec, dict):
                raise FaultError("Every fault must be a JSON object.")
            if not set(spec) <= {"latency_ms", "status", "drop"}:
                raise FaultError("A fault only accepts the fields latency_ms, status and drop.")
            faults[endpoint] = Fault(**spec)
        return faults


def is_int(value: object) -> bool:
    """True for real ints (bool is not accepted as a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_endpoint(endpoint: object) -> None:
    """Raise FaultError unless ``endpoint`` is one that faults can be injected into."""
    if endpoint not in FAULT_ENDPOINTS:
        raise FaultError("Faults can only be set for the endpoints get, add and remove.")
