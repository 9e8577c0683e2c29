"""The sandbox as a Starlette app served by uvicorn on loopback, and ``start_server``.

uvicorn does the HTTP (framing, keep-alive, connection limits, shutdown) by its own settings,
``SERVER_SETTINGS``; Starlette the routing, CORS, the Host check and static files. Written here
is only what neither does: refusing writes from pages outside loopback, the headers pages need,
and closing a connection unanswered for a drop fault::

    from sandbox.server import start_server

    server = start_server(data_dir="/tmp/sandbox-data")  # port 0: a free port
    print(server.url)  # http://127.0.0.1:<port>/
    server.faults.set("get", status=503)
    server.close()

Public names: ``DEFAULT_DATA``, ``DEFAULT_SEED``, ``SERVER_SETTINGS``, ``SandboxServer``,
``start_server``.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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

from sandbox.api import EXCEPTION_HANDLERS, ROUTES, error_response
from sandbox.faults import FaultTable
from sandbox.static import DEMO_PAGE_FILES, PageFiles
from sandbox.store import Store, delete_data, load_seed

__all__ = ["DEFAULT_DATA", "DEFAULT_SEED", "SERVER_SETTINGS", "SandboxServer", "start_server"]

_PACKAGE = Path(__file__).resolve().parent
DEFAULT_ROOT = _PACKAGE.parent
DEFAULT_SEED = _PACKAGE / "seed.json"
DEFAULT_DATA = DEFAULT_ROOT / "data"

SERVER_SETTINGS: dict[str, Any] = {
    "http": "h11",
    "ws": "none",
    "loop": "asyncio",
    "log_config": None,
    "access_log": False,
    # scope["client"] stays the peer's address, by which a drop fault finds its connection.
    "proxy_headers": False,
    # Past this many open connections uvicorn answers 503, before the common 1,024-file limit.
    "limit_concurrency": 1000,
    "h11_max_incomplete_event_size": 16 * 1024,
    # Longer than browsers keep an idle connection (WebKit 60 s), so the browser closes it first:
    # WebKit does not retry a request sent on a connection the server is closing ("Load failed").
    "timeout_keep_alive": 75,
    "timeout_graceful_shutdown": 2,
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
LOOPBACK_ORIGIN = r"http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?"
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# What another loopback page embeds (the SDK, the tag, the runtime): a cross-origin-isolated page
# loads a script from another origin only when its response allows it.
EMBEDDABLE_PATHS = ("/v3.js", "/personaclick_bridge.js", "/vendor/")


class _LoopbackWritesOnly:
    """403 for a write whose Origin is a page outside loopback, whatever its content type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            same_origin = origin == f"http://{headers.get('host')}"
            if not (origin is None or same_origin or re.fullmatch(LOOPBACK_ORIGIN, origin)):
                message = "Only pages served from loopback may change the sandbox."
                await error_response(403, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _PageHeaders:
    """Revalidate every file (edits show at once); add isolation headers when asked; let pages on
    other origins embed the SDK, the tag and the runtime."""

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
                    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SandboxServer:
    """A sandbox serving from a background thread, with its live ``faults`` table and ``store``;
    see :func:`start_server`."""

    def __init__(self, app: Starlette, listener: socket.socket) -> None:
        self.app = app
        self.faults: FaultTable = app.state.faults
        self.store: Store = app.state.store
        app.state.drop = self._drop
        host, self.port = listener.getsockname()[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"
        self._server = uvicorn.Server(uvicorn.Config(app, **SERVER_SETTINGS))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise OSError("The sandbox's server stopped while starting.")
            time.sleep(0.005)

    def close(self) -> None:
        """Stop serving, release the port, end open connections and close the database (once)."""
        if self._server.should_exit:
            return
        self.app.state.loop.call_soon_threadsafe(self.app.state.closing.set)
        self._server.should_exit = True
        self._thread.join()
        self.store.close()

    def _drop(self, client: tuple[str, int]) -> None:
        """Close the connection from ``client`` (ASGI's scope["client"]) without an answer."""
        # No ASGI message closes a connection unanswered; uvicorn's server state lists them.
        for connection in list(self._server.server_state.connections):
            if connection.client == tuple(client):
                connection.transport.close()


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
    at ``/personaclick_bridge.js``. ``seed_path`` defaults to ``sandbox/seed.json``.
    ``middleware`` (Starlette's) goes innermost, around routes and pages. ``reset`` deletes the
    database in ``data_dir`` first: the sandbox starts from the seed alone.
    Raises ValueError for a bad seed file (SeedError) or data of another layout (DataError),
    OSError when the address is taken.
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
        app = _app(Path(root) if root is not None else None, data_path, host, isolate, middleware)
        app.state.store, app.state.shops, app.state.faults = store, shops, FaultTable()
        return SandboxServer(app, listener)
    except BaseException:
        listener.close()
        if store is not None:
            store.close()
        raise


def _app(
    root: Path | None, data_dir: Path, host: str, isolate: bool, middleware: Sequence[Middleware]
) -> Starlette:
    """The sandbox's routes, pages and middleware."""
    if root is None:
        pages = PageFiles(DEFAULT_ROOT, allowed=DEMO_PAGE_FILES, hidden=[data_dir])
    else:
        pages = PageFiles(root, hidden=[data_dir])

    def script(path: Path) -> Route:
        async def serve(request: object) -> FileResponse:
            return FileResponse(path, media_type="text/javascript")

        return Route(f"/{path.name}", serve, methods=["GET"])

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
            script(_PACKAGE / "v3.js"),
            script(DEFAULT_ROOT / "personaclick_bridge.js"),
            Mount("/vendor", StaticFiles(directory=DEFAULT_ROOT / "vendor", check_dir=False)),
        ],
        middleware=[
            Middleware(_PageHeaders, isolate=isolate),
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
    return app
