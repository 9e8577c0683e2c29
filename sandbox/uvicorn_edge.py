"""The one place the sandbox reaches below uvicorn's documented surface: a connection's life.

Neither ASGI nor uvicorn's options let an app see a connection before its first request's
headers are in, so no app can limit how long they take. uvicorn's ``http`` option takes an
asyncio protocol class; ``watched_h11`` makes one that runs uvicorn's own ``H11Protocol``
unchanged and first tells a watcher when a connection opens, receives bytes and closes::

    import uvicorn
    from sandbox.uvicorn_edge import watched_h11

    def watch(transport):  # None refuses the connection
        return MyWatch(transport)  # with .received() and .lost()

    config = uvicorn.Config(app, http=watched_h11(watch), ws="none")

What it relies on, checked by ``tests/sandbox/test_sandbox_uvicorn_edge.py``: uvicorn's
``H11Protocol`` at ``uvicorn.protocols.http.h11_impl``, an asyncio protocol that uvicorn builds
with keyword arguments alone and that keeps its transport (it hands it on only to upgrade to
WebSockets, which ``ws="none"`` turns off).

Public names: ``ConnectionWatch``, ``watched_h11``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionWatch", "watched_h11"]


class ConnectionWatch(Protocol):
    """What hears of one connection: bytes arriving, and the connection's end."""

    def received(self) -> None:
        """Bytes arrived, before uvicorn reads them."""

    def lost(self) -> None:
        """The connection closed, before uvicorn hears of it."""


def watched_h11(
    watch: Callable[[asyncio.Transport], ConnectionWatch | None],
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol, with ``watch(transport)`` called as each connection opens.

    ``watch`` returns the connection's ConnectionWatch, or None to refuse it: the connection is
    then aborted before uvicorn sees it.
    """

    class WatchedH11(asyncio.Protocol):
        """uvicorn's H11Protocol, each event passed on after the watch has heard it."""

        def __init__(self, **uvicorn_arguments: Any) -> None:
            self._h11 = H11Protocol(**uvicorn_arguments)
            self._watch: ConnectionWatch | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self._watch = watch(transport)
            if self._watch is None:
                transport.abort()
                return
            self._h11.connection_made(transport)

        def data_received(self, data: bytes) -> None:
            assert self._watch is not None  # a refused connection receives nothing
            self._watch.received()
            self._h11.data_received(data)

        def eof_received(self) -> bool | None:
            return self._h11.eof_received()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._watch is None:  # refused: uvicorn never had it
                return
            self._watch.lost()
            self._h11.connection_lost(exc)

        def pause_writing(self) -> None:
            self._h11.pause_writing()

        def resume_writing(self) -> None:
            self._h11.resume_writing()

    return WatchedH11
