"""The sandbox as a Starlette app served by uvicorn, locked to loopback, and ``start_server``.

uvicorn does the HTTP (framing, keep-alive, limits) and Starlette the routing, CORS, the Host
check and static files. Written here is only what neither does: refusing writes from pages
outside loopback and ambiguous framing, a total deadline for each request's headers, a cap on
open connections, and the fault that drops a connection; the last three watch connections
through ``sandbox.uvicorn_edge``, the one module that relies on uvicorn's internals::

    from sandbox.server import start_server

    server = start_server(data_dir="/tmp/sandbox-data")  # port 0: a free port
    print(server.url)  # http://127.0.0.1:<port>/
    server.faults.set("get", status=503)
    server.close()

Public names: ``DEFAULT_DATA``, ``DEFAULT_SEED``, ``SandboxServer``, ``start_server``.
"""

from __future__ import annotations

import asyncio
import re
import resource
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.api import DROP_EXTENSION, EXCEPTION_HANDLERS, ROUTES, error_response
from sandbox.faults import FaultTable
from sandbox.static import DEMO_PAGE_FILES, PageFiles
from sandbox.store import Shop, Store, delete_data, load_seed
from sandbox.uvicorn_edge import watched_h11

__all__ = ["DEFAULT_DATA", "DEFAULT_SEED", "SandboxServer", "start_server"]

_PACKAGE = Path(__file__).resolve().parent
DEFAULT_ROOT = _PACKAGE.parent
DEFAULT_SEED = _PACKAGE / "seed.json"
DEFAULT_DATA = DEFAULT_ROOT / "data"
_SDK = _PACKAGE / "v3.js"
_TAG = DEFAULT_ROOT / "personaclick_bridge.js"

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
LOOPBACK_ORIGIN = r"http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?"
# A request's headers must have arrived this long after its first byte.
HEADER_DEADLINE_SECONDS = 10.0
# How long a connection may wait for a request's first byte, after opening or its last answer:
# longer than browsers keep an idle connection (WebKit 60 s), so the browser closes it first.
# WebKit does not retry a request sent on a connection the server is closing ("Load failed").
KEEP_ALIVE_SECONDS = 75.0
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# What another loopback page embeds (the SDK, the tag, the runtime): a cross-origin-isolated page
# loads a script from another origin only when its response allows it.
EMBEDDABLE_PATHS = ("/v3.js", "/personaclick_bridge.js", "/vendor/")
EMBEDDABLE_HEADERS = {"Cross-Origin-Resource-Policy": "cross-origin"}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Open files kept free for the database, static files and the listening socket.
_FILE_RESERVE = 256
_MAX_CONNECTIONS = 10_000
_GRACEFUL_SECONDS = 2


class _LoopbackWritesOnly:
    """403 for a write whose Origin is a page outside loopback, whatever its content type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            same_origin = origin == f"http://{headers.get('host')}"
            if not (origin is None or same_origin or re.fullmatch(LOOPBACK_ORIGIN, origin)):
                message = "Only pages served from loopback may change the sandbox."
                await error_response(403, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _DefaultHeaders:
    """Revalidate every static file (edits show at once); add isolation headers when asked; let
    pages on other origins embed the SDK, the tag and the runtime."""

    def __init__(self, app: ASGIApp, isolate: bool) -> None:
        self.app = app
        self.extra = ISOLATION_HEADERS if isolate else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Cache-Control", "no-cache")
                headers.update(self.extra)
                if scope["path"].startswith(EMBEDDABLE_PATHS):
                    headers.update(EMBEDDABLE_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _UnambiguousFraming:
    """400, closing the connection, for a request with both Content-Length and
    Transfer-Encoding: h11 lets chunked win, a proxy in front might not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = [name for name, _ in scope["headers"]]
            if b"transfer-encoding" in names and b"content-length" in names:
                message = "Content-Length and Transfer-Encoding together are ambiguous."
                response = error_response(400, message, {"Connection": "close"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Connection:
    """One open connection on a clock that, unlike uvicorn's, does not restart on every byte.

    Waiting for a request (just opened, or its last request answered), it may stay
    KEEP_ALIVE_SECONDS; a request's first byte gives its headers HEADER_DEADLINE_SECONDS in all,
    so a client trickling a header line now and then cannot hold it for ever. While the app has
    a request the clock stops: the body has its own deadline (``sandbox.api``).
    """

    def __init__(self, transport: asyncio.Transport, forget: Callable[[], None]) -> None:
        self.transport = transport
        self._forget = forget
        self._loop = asyncio.get_running_loop()
        self._clock: asyncio.TimerHandle | None = None
        self._waiting = True
        self._set_clock(KEEP_ALIVE_SECONDS)

    def received(self) -> None:
        """Bytes arrived: a request's first byte starts the clock for its headers."""
        if self._waiting:
            self._waiting = False
            self._set_clock(HEADER_DEADLINE_SECONDS)

    def request_started(self) -> None:
        """The app has a request: its headers are in."""
        self._stop_clock()

    def request_answered(self) -> None:
        """The app's answer is out: wait for the next request."""
        self._waiting = True
        if not self.transport.is_closing():
            self._set_clock(KEEP_ALIVE_SECONDS)

    def lost(self) -> None:
        """The connection closed."""
        self._stop_clock()
        self._forget()

    def _set_clock(self, seconds: float) -> None:
        self._stop_clock()
        self._clock = self._loop.call_later(seconds, self.transport.close)

    def _stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None


class _Connections:
    """The open connections by client address (ASGI's ``scope["client"]``), up to ``cap``."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: dict[tuple[str, int], _Connection] = {}

    def watch(self, transport: asyncio.Transport) -> _Connection | None:
        """A new connection's clock; None (refused) past the cap, set below the open-file limit."""
        peer = transport.get_extra_info("peername")
        if peer is None or len(self._open) >= self.cap:
            return None
        client = (str(peer[0]), int(peer[1]))
        connection = _Connection(transport, lambda: self._open.pop(client, None))
        self._open[client] = connection
        return connection

    def find(self, scope: Scope) -> _Connection | None:
        """The connection a request came on; None once it has closed."""
        client = scope.get("client")
        return None if client is None else self._open.get(tuple(client))


class _RequestsOnConnections:
    """Tell each request's connection when the app has it and when its answer is out, and let a
    fault drop the connection unanswered (``DROP_EXTENSION``)."""

    def __init__(self, app: ASGIApp, connections: _Connections) -> None:
        self.app = app
        self.connections = connections

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = self.connections.find(scope)
        if connection is None:  # closed before its request started: nobody to answer
            return
        connection.request_started()
        dropped = False

        async def drop() -> None:
            """Close the connection, and return once uvicorn knows: it then sends nothing."""
            nonlocal dropped
            dropped = True
            connection.transport.close()
            while (await receive())["type"] != "http.disconnect":
                pass

        async def send_unless_dropped(message: Message) -> None:
            if dropped:
                return
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                connection.request_answered()

        scope.setdefault("extensions", {})[DROP_EXTENSION] = drop
        await self.app(scope, receive, send_unless_dropped)


def _connection_cap() -> int:
    """Raise the soft open-file limit to the hard one where allowed; cap connections below it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return max(1, min(soft - _FILE_RESERVE, _MAX_CONNECTIONS))


def _build_app(
    root: Path | None,
    data_dir: Path,
    *,
    store: Store,
    shops: dict[str, Shop],
    host: str,
    isolate: bool,
    middleware: Sequence[Middleware] = (),
) -> Starlette:
    """The sandbox's routes and middleware around its store, seed and fault table."""
    if root is None:
        pages = PageFiles(DEFAULT_ROOT, allowed=DEMO_PAGE_FILES, hidden=[data_dir])
    else:
        pages = PageFiles(root, hidden=[data_dir])

    async def sdk(request: object) -> FileResponse:
        return FileResponse(_SDK, media_type="text/javascript")

    async def tag(request: object) -> FileResponse:
        return FileResponse(_TAG, media_type="text/javascript")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.closing = asyncio.Event()
        app.state.loop = asyncio.get_running_loop()
        # Static files are read in worker threads: start one now, not on the first page load.
        await anyio.to_thread.run_sync(DEFAULT_ROOT.stat)
        yield

    hosts = list(LOOPBACK_HOSTS)
    if host not in ("0.0.0.0", "::"):
        hosts.append(f"[{host}]" if ":" in host else host)
    app = Starlette(
        routes=[
            *ROUTES,
            Route("/v3.js", sdk, methods=["GET"]),
            Route("/personaclick_bridge.js", tag, methods=["GET"]),
            Mount("/vendor", StaticFiles(directory=DEFAULT_ROOT / "vendor", check_dir=False)),
        ],
        middleware=[
            Middleware(_UnambiguousFraming),
            Middleware(_DefaultHeaders, isolate=isolate),
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
            Middleware(_LoopbackWritesOnly),
            Middleware(
                CORSMiddleware,
                allow_origin_regex=LOOPBACK_ORIGIN,
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["Content-Type"],
                max_age=600,
            ),
            *middleware,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    # Last, and only for paths no route knows: a known path's wrong method stays a 405.
    app.router.default = pages
    app.state.store = store
    app.state.shops = shops
    app.state.faults = FaultTable()
    return app


class SandboxServer:
    """A sandbox serving from a background thread; see :func:`start_server`."""

    def __init__(self, app: Starlette, listener: socket.socket) -> None:
        self.app = app
        host, self.port = listener.getsockname()[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"
        cap = _connection_cap()
        connections = _Connections(cap)
        config = uvicorn.Config(
            _RequestsOnConnections(app, connections),
            http=watched_h11(connections.watch),
            ws="none",
            loop="asyncio",
            log_config=None,
            access_log=False,
            # scope["client"] stays the peer's address, by which a request finds its connection.
            proxy_headers=False,
            limit_concurrency=cap,
            backlog=cap,
            # uvicorn's own clock after an answer: the same as ours, not its 5 s default.
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=_GRACEFUL_SECONDS,
            h11_max_incomplete_event_size=16 * 1024,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise OSError("The sandbox's server stopped while starting.")
            time.sleep(0.005)

    @property
    def faults(self) -> FaultTable:
        """The live fault table."""
        return self.app.state.faults

    @property
    def store(self) -> Store:
        """The SQLite store behind the API."""
        return self.app.state.store

    def close(self) -> None:
        """Stop serving, release the port, end open connections and close the database (once)."""
        if self._server.should_exit:
            return
        self.app.state.loop.call_soon_threadsafe(self.app.state.closing.set)
        self._server.should_exit = True
        self._thread.join()
        self.store.close()


def start_server(
    root: Path | str | None = None,
    data_dir: Path | str = DEFAULT_DATA,
    *,
    seed_path: Path | str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    isolate: bool = False,
    middleware: Sequence[Middleware] = (),
    reset: bool = False,
) -> SandboxServer:
    """Start a sandbox in a daemon thread and return once it answers; port 0 picks a free port.

    ``root`` None serves the demo page (``DEMO_PAGE_FILES``); a folder serves that folder.
    Both come with ``/vendor/``, the stand-in SDK at ``/v3.js`` and the bridge's one-tag install
    at ``/personaclick_bridge.js``. ``seed_path`` defaults to
    ``sandbox/seed.json``. ``middleware`` (Starlette's) goes innermost, around routes and pages.
    ``reset`` deletes the database in ``data_dir`` first: the sandbox starts from the seed alone.
    Raises SeedError (a ValueError) for a bad seed file, OSError when the address is taken.
    """
    data_path = Path(data_dir)
    shops = load_seed(Path(seed_path) if seed_path is not None else DEFAULT_SEED)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, or asyncio leaves Nagle's algorithm on (a 40 ms stall per answer).
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    store = None
    try:
        # A restart on the same port must bind while old connections sit in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        if reset:  # only once the port is ours: a sandbox that cannot start deletes nothing
            delete_data(data_path)
        store = Store(data_path)
        root_path = Path(root) if root is not None else None
        app = _build_app(
            root_path,
            data_path,
            store=store,
            shops=shops,
            host=host,
            isolate=isolate,
            middleware=middleware,
        )
        return SandboxServer(app, listener)
    except BaseException:
        listener.close()
        if store is not None:
            store.close()
        raise
