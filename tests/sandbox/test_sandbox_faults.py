"""The sandbox's fault injection, set from Python and over ``/_sandbox/faults``."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.faults import FaultError
from sandbox.server import SandboxServer
from sandbox_helpers import ENDPOINT_CALLS, SHOP, add, assert_error, call, get_segments, remove


def test_latency_delays_only_its_endpoint(sandbox: SandboxServer) -> None:
    """latency_ms slows its endpoint down, which still answers normally; the others do not wait."""
    sandbox.faults.set("get", latency_ms=300)
    started = time.monotonic()
    assert get_segments(sandbox).json() == []
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert add(sandbox).status == 200
    assert time.monotonic() - started < 0.3


def test_faults_put_over_http_set_only_what_they_name(sandbox: SandboxServer) -> None:
    """PUT answers the table and sets the endpoints it names, leaving the others; a status fault
    answers that status with an error body and does no work; null clears one, DELETE all."""
    sandbox.faults.set("remove", latency_ms=1)
    table = {"add": {"status": 503}, "get": {"latency_ms": 10, "status": 500, "drop": False}}
    expected = {
        "add": {"latency_ms": 0, "status": 503, "drop": False},
        "get": {"latency_ms": 10, "status": 500, "drop": False},
        "remove": {"latency_ms": 1, "status": None, "drop": False},
    }
    assert call(sandbox, "PUT", "/_sandbox/faults", table).json() == expected
    assert call(sandbox, "GET", "/_sandbox/faults").json() == expected
    assert_error(add(sandbox), 503)
    assert_error(get_segments(sandbox), 500)
    assert remove(sandbox).status == 200
    assert sandbox.store.segment_ids(SHOP, "device-1") == []
    call(sandbox, "PUT", "/_sandbox/faults", {"add": None})
    assert add(sandbox).status == 200
    assert call(sandbox, "DELETE", "/_sandbox/faults").json() == {}
    assert get_segments(sandbox).status == 200


@pytest.mark.parametrize("endpoint", ["get", "add"])
def test_drop_closes_the_connection_unanswered(sandbox: SandboxServer, endpoint: str) -> None:
    """drop closes the connection before any byte of an answer; clear() restores service."""
    sandbox.faults.set(endpoint, drop=True)
    with pytest.raises(ConnectionError):
        ENDPOINT_CALLS[endpoint](sandbox)
    sandbox.faults.clear()
    assert sandbox.faults.snapshot() == {}
    assert ENDPOINT_CALLS[endpoint](sandbox).status == 200


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"catalogue": {"status": 503}}', 422),
        (b'{"get": 503}', 422),
        (b'{"get": {"status": 200}}', 422),
        (b'{"get": {"latency_ms": -1}}', 422),
        (b'{"get": {"latency_ms": 600001}}', 422),
        (b'{"get": {"drop": "yes"}}', 422),
        (b'{"get": {"drop": true}, "add": {"status": 99}}', 422),
    ],
)
def test_nonsense_fault_tables_change_nothing(
    sandbox: SandboxServer, raw: bytes, status: int
) -> None:
    """A nonsense fault table is refused, over HTTP or from Python; the table stays as it was."""
    sandbox.faults.set("add", latency_ms=5)
    headers = {"Content-Type": "application/json"}
    assert_error(call(sandbox, "PUT", "/_sandbox/faults", raw, headers), status)
    if status == 422:
        with pytest.raises(FaultError):
            sandbox.faults.update(json.loads(raw))
    assert sandbox.faults.snapshot() == {"add": {"latency_ms": 5, "status": None, "drop": False}}
