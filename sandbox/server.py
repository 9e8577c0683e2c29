"""HTTP wiring of the sandbox: the threaded server, its request handler and ``start_server``.

The handler routes ``/api/`` and ``/_sandbox/`` paths to the endpoints of ``sandbox.api``
(after any fault from ``sandbox.faults``) and everything else to ``sandbox.static``::

    from sandbox.server import start_server

    server = start_server(data_dir="/tmp/sandbox-data")  # port 0: a free port
    print(server.url)  # http://127.0.0.1:<port>/
    server.faults.set("get", status=503)
    server.close()

Public names: ``DEFAULT_ROOT``, ``DEFAULT_SEED``, ``ISOLATION_HEADERS``, ``SandboxServer``,
``start_server``.
"""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

from sandbox.api import ApiError, Request, Route, find_route
from sandbox.faults import FaultTable
from sandbox.static import StaticFiles
from sandbox.store import Shop, Store, load_seed

__all__ = ["DEFAULT_ROOT", "DEFAULT_SEED", "ISOLATION_HEADERS", "SandboxServer", "start_server"]

DEFAULT_SEED = Path(__file__).resolve().parent / "seed.json"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent

# Bodies up to this size are read and discarded before an early error, so keep-alive survives.
_DRAIN_LIMIT = 1024 * 1024
# close() waits this long for cut-off handlers to finish before it closes the database.
_CLOSE_GRACE_SECONDS = 1.0

ISOLATION_HEADERS = (
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)


class _SandboxHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the sandbox state shared by all request handlers."""

    daemon_threads = True
    request_queue_size = 1024
    # Idle keep-alive connections must not hold up close(); handler threads are daemons.
    block_on_close = False
    # A restart on the same port must bind even while old connections sit in TIME_WAIT.
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        root: Path,
        data_dir: Path,
        store: Store,
        shops: dict[str, Shop],
        isolate: bool,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.static = StaticFiles(root, data_dir)
        self.store = store
        self.shops = shops
        self.isolate = isolate
        self.faults = FaultTable()
        # Accepted sockets not yet shut down by their handler; close_connections() cuts them.
        self._connections: set[socket.socket] = set()
        self._connections_changed = threading.Condition()
        self.closing = threading.Event()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup, which can stall for seconds."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: socket.socket, client_address: object) -> None:
        """Remember the accepted socket, then hand it to a handler thread."""
        with self._connections_changed:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        """Forget the socket once its handler is done with it, then close it."""
        # Forget first, so close_connections() never touches a socket being closed here.
        with self._connections_changed:
            self._connections.discard(request)
            self._connections_changed.notify_all()
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut every open connection, then give their handler threads a moment to end."""
        self.closing.set()
        with self._connections_changed:
            for connection in self._connections:
                _shut_down(connection)
            self._connections_changed.wait_for(
                lambda: not self._connections, timeout=_CLOSE_GRACE_SECONDS
            )

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that hang up; report other errors without their message."""
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, (ConnectionError, TimeoutError)):
            return
        # Socket errors on a connection cut by close_connections() are expected.
        if not (self.closing.is_set() and isinstance(exc, OSError)):
            _log_exception(exc)


def _shut_down(connection: socket.socket) -> None:
    """Shut a socket down both ways, waking its handler; it may already be gone."""
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _log_exception(exc: BaseException) -> None:
    """Log an exception's type and stack, but not its message, which may carry request data."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    sys.stderr.write(f"sandbox: internal error {type(exc).__name__}\n{stack}")


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to an API endpoint or the static files, and sends the answer."""

    server: _SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing per request: request lines and bodies may carry personal data."""

    def do_GET(self) -> None:
        """Dispatch GET."""
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def end_headers(self) -> None:
        """Add the cross-origin isolation headers to every response when enabled."""
        if self.server.isolate:
            for name, value in ISOLATION_HEADERS:
                self.send_header(name, value)
        super().end_headers()

    def _dispatch(self) -> None:
        """Route the request and turn every failure into a JSON error response."""
        self._body_read = False
        path, _, query = self.path.partition("?")
        try:
            route = find_route(path)
            if route is not None:
                self._run_route(route, query)
            else:
                if_none_match = self.headers.get("If-None-Match")
                self.server.static.serve(self._send, self.command, path, query, if_none_match)
        except ApiError as err:
            self._send_json(err.status, {"status": "error", "message": err.message}, err.headers)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - any bug becomes a 500, not a dropped socket
            if self.server.closing.is_set():
                # A request cut off by close() may meet the closed database: just end it.
                self.close_connection = True
                return
            _log_exception(exc)
            self._send_json(
                500, {"status": "error", "message": "The sandbox hit an internal error."}
            )

    def _run_route(self, route: Route, query: str) -> None:
        """Check the method, apply any injected fault, then run the endpoint's action."""
        action = route.action(self.command)
        fault = self.server.faults.get(route.fault) if route.fault else None
        if fault is not None:
            time.sleep(fault.latency_ms / 1000)
            if fault.drop:
                self._drain_body()
                self.close_connection = True
                return
            if fault.status is not None:
                raise ApiError(fault.status, f"The sandbox injected an HTTP {fault.status} fault.")
        server = self.server
        request = Request(
            query, self.headers, self._read_body, server.store, server.shops, server.faults
        )
        status, payload = action(request)
        self._send_json(status, payload)

    def _read_body(self, length: int) -> bytes:
        """Read ``length`` body bytes; a short body leaves the stream unframed, so close after."""
        raw = self.rfile.read(length)
        self._body_read = True
        if len(raw) != length:
            self.close_connection = True
            raise ApiError(400, "The request body ended before Content-Length bytes.")
        return raw

    def _drain_body(self) -> None:
        """Discard an unread request body so the connection can be reused, or close it."""
        if self._body_read:
            return
        self._body_read = True
        length_header = self.headers.get("Content-Length", "0")
        chunked = "Transfer-Encoding" in self.headers
        if chunked or not length_header.isdigit() or int(length_header) > _DRAIN_LIMIT:
            self.close_connection = True
            return
        remaining = int(length_header)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 64 * 1024))
            if not chunk:
                self.close_connection = True
                return
            remaining -= len(chunk)

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        """Send a JSON response that browsers must not cache."""
        body = json.dumps(payload).encode("utf-8")
        fields = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Cache-Control": "no-store",
        }
        self._send(status, fields | (headers or {}), body)

    def _send(self, status: int, headers: dict[str, str], body: bytes | BinaryIO) -> None:
        """Drain the request body, then send a response; HEAD gets the headers only."""
        self._drain_body()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or not body:
            return
        if isinstance(body, bytes):
            self.wfile.write(body)
            return
        try:
            shutil.copyfileobj(body, self.wfile, 64 * 1024)
        except OSError:
            # Part of the file may be sent: the client can no longer find the next response.
            self.close_connection = True


class SandboxServer:
    """A sandbox serving in a background thread; see :func:`start_server`."""

    def __init__(self, httpd: _SandboxHTTPServer) -> None:
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        shown_host = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown_host}:{port}/"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def faults(self) -> FaultTable:
        """The live fault table."""
        return self._httpd.faults

    @property
    def store(self) -> Store:
        """The SQLite store behind the API."""
        return self._httpd.store

    def close(self) -> None:
        """Stop serving, release the port, cut open connections and close the database."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        # Keep-alive handlers would otherwise answer later requests with the closed database.
        self._httpd.close_connections()
        self._httpd.store.close()


def start_server(
    root: Path | str | None = None,
    data_dir: Path | str = "data",
    *,
    seed_path: Path | str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    isolate: bool = False,
) -> SandboxServer:
    """Start a sandbox in a daemon thread and return at once; port 0 picks a free port.

    ``root`` defaults to the repository root and ``seed_path`` to ``sandbox/seed.json``.
    Raises SeedError (a ValueError) for a bad seed file, OSError when the address is taken.
    """
    shops = load_seed(Path(seed_path) if seed_path is not None else DEFAULT_SEED)
    data_path = Path(data_dir)
    store = Store(data_path)
    try:
        httpd = _SandboxHTTPServer(
            (host, port),
            root=Path(root) if root is not None else DEFAULT_ROOT,
            data_dir=data_path,
            store=store,
            shops=shops,
            isolate=isolate,
        )
    except BaseException:
        store.close()
        raise
    return SandboxServer(httpd)
