"""The sandbox's hold on connections: a cap below the open-file limit, found by client address."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from sandbox_helpers import call, running

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def cut_unanswered(sock: socket.socket) -> bool:
    """Whether the server closes the connection without answering a request sent on it."""
    try:
        sock.sendall(REQUEST)
        return sock.recv(1) == b""
    except ConnectionError:
        return True


def test_connections_past_the_cap_are_closed_at_once(
    root: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap a new connection is closed unanswered; once others close, one is served."""
    monkeypatch.setattr("sandbox.server._MAX_CONNECTIONS", 3)
    with running(root=root, data_dir=data_dir) as server:
        # Accepted in the order they connect: these three first.
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as extra:
                assert cut_unanswered(extra)
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 10
        while (status := call(server, "GET", "/").status) != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status == 200


def test_forwarded_headers_do_not_hide_the_connection(sandbox: SandboxServer) -> None:
    """A request naming another client in X-Forwarded-For is answered like any other."""
    headers = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}
    reply = call(sandbox, "GET", "/", headers=headers)
    assert reply.status == 200
