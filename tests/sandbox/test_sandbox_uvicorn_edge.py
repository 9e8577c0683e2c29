"""sandbox/uvicorn_edge.py against the installed uvicorn: what it relies on is still there.

After a uvicorn upgrade, a failure here names what changed; the fix belongs in uvicorn_edge.py.
"""

from __future__ import annotations

import asyncio
import http.client
import importlib
import inspect
import socket
import threading
import time

import pytest
import uvicorn

H11_MODULE = "uvicorn.protocols.http.h11_impl"
# The keywords uvicorn.Server builds its http protocol with; the edge passes them on unread.
SERVER_ARGUMENTS = ("config", "server_state", "app_state", "_loop")
UPGRADE = f"uvicorn {uvicorn.__version__}"


def test_uvicorn_has_the_h11_protocol_the_edge_wraps() -> None:
    """H11Protocol is where the edge imports it from, an asyncio protocol built by keywords."""
    try:
        module = importlib.import_module(H11_MODULE)
    except ImportError as exc:
        pytest.fail(f"{UPGRADE} has no {H11_MODULE}, where uvicorn_edge imports H11Protocol: {exc}")
    protocol = getattr(module, "H11Protocol", None)
    assert protocol is not None, f"{UPGRADE}: {H11_MODULE} no longer defines H11Protocol"
    assert issubclass(protocol, asyncio.Protocol), f"{UPGRADE}: H11Protocol is not asyncio's"
    try:
        inspect.signature(protocol).bind(**dict.fromkeys(SERVER_ARGUMENTS))
    except TypeError as exc:
        pytest.fail(f"{UPGRADE}: H11Protocol no longer takes {SERVER_ARGUMENTS} as keywords: {exc}")


class Recorder:
    """A watch that writes down what it hears, refusing connections while ``refuse`` is set."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.clients: list[tuple[str, int]] = []
        self.refuse = False

    def watch(self, transport: asyncio.Transport) -> Recorder | None:
        self.events.append("refused" if self.refuse else "opened")
        return None if self.refuse else self

    def received(self) -> None:
        self.events.append("received")

    def lost(self) -> None:
        self.events.append("lost")

    async def app(self, scope, receive, send) -> None:
        """Answer "ok", noting the client address uvicorn reports."""
        self.clients.append(tuple(scope["client"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def wait_until(condition, what: str) -> None:
    """Wait up to 10 s for condition(); fail naming what did not happen."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_uvicorn_serves_a_watched_connection_and_its_watch_hears_it() -> None:
    """uvicorn builds the watched protocol and serves through it; the watch hears the connection
    open, receive and close; scope["client"] is the peer's address; a refused one is cut."""
    # Imported here, so that the test above can name what a failing import lacks.
    from sandbox.uvicorn_edge import watched_h11

    recorder = Recorder()
    config = uvicorn.Config(
        recorder.app,
        http=watched_h11(recorder.watch),
        ws="none",
        interface="asgi3",
        lifespan="off",
        log_config=None,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, f"{UPGRADE} did not start with a watched protocol")
        conn = http.client.HTTPConnection("127.0.0.1", listener.getsockname()[1], timeout=10)
        conn.request("GET", "/")
        client = conn.sock.getsockname()
        answer = conn.getresponse().read()
        conn.close()
        assert answer == b"ok", f"{UPGRADE} did not answer through the watched protocol"
        wait_until(lambda: "lost" in recorder.events, f"{UPGRADE}: the watch never heard a close")
        assert recorder.events[0] == "opened" and "received" in recorder.events
        assert recorder.clients == [client], f"{UPGRADE}: scope['client'] is not the peer"
        recorder.refuse = True
        with socket.create_connection(listener.getsockname(), timeout=10) as refused:
            try:
                refused.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert refused.recv(1) == b""
            except ConnectionError:
                pass
        assert recorder.clients == [client], "a refused connection reached the app"
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive(), f"{UPGRADE} did not stop with a watched protocol"
