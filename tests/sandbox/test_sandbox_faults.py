"""The sandbox's fault injection, set from Python and over ``/_sandbox/faults``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

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
    table = {"add": {"status": 503}, "get": {"latency_ms": 10, "status": 500, "hold": False}}
    expected = {
        "add": {"latency_ms": 0, "status": 503, "drop": False, "hold": False},
        "get": {"latency_ms": 10, "status": 500, "drop": False, "hold": False},
        "remove": {"latency_ms": 1, "status": None, "drop": False, "hold": False},
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


# Ways to end the hold of the get endpoint, and the status a held get is then answered with.
RELEASES: dict[str, tuple[Callable[[SandboxServer], object], int]] = {
    "clear()": (lambda sandbox: sandbox.faults.clear(), 200),
    "DELETE": (lambda sandbox: call(sandbox, "DELETE", "/_sandbox/faults"), 200),
    "PUT null": (lambda sandbox: call(sandbox, "PUT", "/_sandbox/faults", {"get": None}), 200),
    "set() anew": (lambda sandbox: sandbox.faults.set("get", status=503), 503),
}


@pytest.mark.parametrize("release", RELEASES)
def test_hold_answers_once_its_fault_is_cleared_or_replaced(
    sandbox: SandboxServer, release: str
) -> None:
    """hold leaves its endpoint's requests unanswered (other endpoints answer) until the fault is
    cleared, from Python or over HTTP, or replaced; then they proceed under the table as it is."""
    sandbox.faults.set("get", hold=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(get_segments, sandbox)
        assert add(sandbox).status == 200
        with pytest.raises(TimeoutError):
            pending.result(timeout=0.3)
        end_hold, status = RELEASES[release]
        end_hold(sandbox)
        reply = pending.result(timeout=5)
    if status == 200:
        assert reply.status == 200 and reply.json() == [{"id": 313, "type": "static"}]
    else:
        assert_error(reply, status)


def test_hold_ends_after_max_latency_with_the_rest_of_its_fault(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hold still set after MAX_LATENCY_MS lets its request go, which the fault's status meets."""
    monkeypatch.setattr("sandbox.api.MAX_LATENCY_MS", 200)
    sandbox.faults.set("get", hold=True, status=502)
    started = time.monotonic()
    assert_error(get_segments(sandbox), 502)
    assert time.monotonic() - started >= 0.2


def test_close_answers_a_held_request_503(sandbox: SandboxServer) -> None:
    """A server closing while a request is held answers it 503 rather than wait for the hold."""
    sandbox.faults.set("get", hold=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(get_segments, sandbox)
        with pytest.raises(TimeoutError):
            pending.result(timeout=0.3)
        sandbox.close()
        assert_error(pending.result(timeout=5), 503)


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
        (b'{"get": {"hold": "yes"}}', 422),
        (b'{"get": {"hold": 1}}', 422),
        (b'{"get": {"hold": null}}', 422),
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
    expected = {"add": {"latency_ms": 5, "status": None, "drop": False, "hold": False}}
    assert sandbox.faults.snapshot() == expected
