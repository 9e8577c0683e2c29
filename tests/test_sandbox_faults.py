"""Tests of the sandbox's fault injection, set from Python and over ``/_sandbox/faults``."""

from __future__ import annotations

import time

import pytest

from sandbox.faults import FaultError
from sandbox.server import SandboxServer
from sandbox_helpers import (
    ENDPOINT_CALLS,
    SHOP,
    add,
    assert_error,
    call,
    get_segments,
    remove,
)


def test_fault_latency_delays_the_answer(sandbox: SandboxServer) -> None:
    """latency_ms set from Python slows the endpoint down but still answers normally."""
    sandbox.faults.set("get", latency_ms=300)
    started = time.monotonic()
    reply = get_segments(sandbox)
    assert time.monotonic() - started >= 0.3
    assert reply.json() == []
    started = time.monotonic()
    assert add(sandbox).status == 200
    assert time.monotonic() - started < 0.3


def test_fault_status_set_over_http_skips_the_work(sandbox: SandboxServer) -> None:
    """A status fault PUT over HTTP answers that status with an error body and stores nothing."""
    table = {"add": {"status": 503}, "get": {"latency_ms": 10, "status": 500, "drop": False}}
    reply = call(sandbox, "PUT", "/_sandbox/faults", table)
    assert reply.status == 200
    expected = {
        "add": {"latency_ms": 0, "status": 503, "drop": False},
        "get": {"latency_ms": 10, "status": 500, "drop": False},
    }
    assert reply.json() == expected
    assert call(sandbox, "GET", "/_sandbox/faults").json() == expected
    assert_error(add(sandbox), 503)
    assert_error(get_segments(sandbox), 500)
    assert remove(sandbox).status == 200
    assert sandbox.store.segment_ids(SHOP, "device-1") == []


def test_fault_put_sets_only_the_endpoints_it_names(sandbox: SandboxServer) -> None:
    """PUT leaves the faults of the endpoints it does not name as they are; null clears one."""
    sandbox.faults.set("add", status=503)
    call(sandbox, "PUT", "/_sandbox/faults", {"get": {"latency_ms": 1}})
    assert set(sandbox.faults.snapshot()) == {"add", "get"}
    assert_error(add(sandbox), 503)
    call(sandbox, "PUT", "/_sandbox/faults", {"add": None})
    assert set(sandbox.faults.snapshot()) == {"get"}
    assert add(sandbox).status == 200


@pytest.mark.parametrize("endpoint", ["get", "add"])
def test_fault_drop_closes_without_answer(sandbox: SandboxServer, endpoint: str) -> None:
    """drop closes the connection before any response bytes are sent."""
    sandbox.faults.set(endpoint, drop=True)
    with pytest.raises(ConnectionError):
        ENDPOINT_CALLS[endpoint](sandbox)
    sandbox.faults.clear()
    assert get_segments(sandbox).status == 200


def test_fault_clear_over_http_and_python(sandbox: SandboxServer) -> None:
    """DELETE /_sandbox/faults and faults.clear() both restore normal service."""
    sandbox.faults.set("get", status=503)
    reply = call(sandbox, "DELETE", "/_sandbox/faults")
    assert (reply.status, reply.json()) == (200, {})
    assert get_segments(sandbox).status == 200
    call(sandbox, "PUT", "/_sandbox/faults", {"get": {"status": 502}})
    assert_error(get_segments(sandbox), 502)
    sandbox.faults.clear()
    assert sandbox.faults.snapshot() == {}
    assert get_segments(sandbox).status == 200


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"catalogue": {"status": 503}}', 422),
        (b'{"get": 503}', 422),
        (b'{"get": {"code": 503}}', 422),
        (b'{"get": {"status": 200}}', 422),
        (b'{"get": {"status": "503"}}', 422),
        (b'{"get": {"latency_ms": -1}}', 422),
        (b'{"get": {"latency_ms": 1.5}}', 422),
        (b'{"get": {"latency_ms": 600001}}', 422),
        (b'{"get": {"drop": "yes"}}', 422),
    ],
)
def test_fault_put_validates_the_body(sandbox: SandboxServer, raw: bytes, status: int) -> None:
    """Nonsense fault tables are refused and leave the current table untouched."""
    sandbox.faults.set("add", latency_ms=5)
    headers = {"Content-Type": "application/json"}
    assert_error(call(sandbox, "PUT", "/_sandbox/faults", raw, headers), status)
    assert sandbox.faults.snapshot() == {"add": {"latency_ms": 5, "status": None, "drop": False}}


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [("catalogue", {"status": 503}), ("get", {"status": 99}), ("get", {"latency_ms": -5})],
)
def test_fault_set_from_python_validates(
    sandbox: SandboxServer, endpoint: str, fault: dict[str, int]
) -> None:
    """faults.set refuses unknown endpoints and out-of-range values."""
    with pytest.raises(FaultError):
        sandbox.faults.set(endpoint, **fault)
    assert sandbox.faults.snapshot() == {}
