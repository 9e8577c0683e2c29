"""HTTP server of the sandbox: static files, the PersonaClick-compatible API and fault injection."""

from __future__ import annotations

import email.utils
import json
import os
import re
import shutil
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl, unquote

from sandbox.store import Shop, Store, load_seed, normalise_segment_id

DEFAULT_SEED = Path(__file__).resolve().parent / "seed.json"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent

MAX_BODY_BYTES = 64 * 1024
MAX_PARAM_CHARS = 256
MAX_LATENCY_MS = 60_000
# Bodies up to this size are read and discarded before an early error, so keep-alive survives.
_DRAIN_LIMIT = 1024 * 1024

FAULT_ENDPOINTS = ("get", "add", "remove")

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".md": "text/plain",
}
DEFAULT_MIME = "application/octet-stream"
# Path segments never served from the root, wherever they appear; dot-names are refused too.
HIDDEN_NAMES = frozenset({"node_modules"})
# Top-level directories never served (the default data directory).
HIDDEN_TOP_LEVEL = frozenset({"data"})

ISOLATION_HEADERS = (
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{7,15}")


class ApiError(Exception):
    """An error answered as ``{"status": "error", "message": ...}`` with the given HTTP status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --- fault injection -------------------------------------------------------------------------


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
        if not _is_int(self.latency_ms) or not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise FaultError(f"latency_ms must be an integer from 0 to {MAX_LATENCY_MS}.")
        if self.status is not None and (not _is_int(self.status) or not 400 <= self.status <= 599):
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

    def replace(self, faults: dict[str, Fault]) -> None:
        """Replace the whole table."""
        for endpoint in faults:
            _check_endpoint(endpoint)
        with self._lock:
            self._faults = dict(faults)

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
    def parse(payload: object) -> dict[str, Fault]:
        """Turn a ``PUT /_sandbox/faults`` body into faults; raise FaultError on nonsense."""
        if not isinstance(payload, dict):
            raise FaultError("The fault table must be a JSON object.")
        faults: dict[str, Fault] = {}
        for endpoint, spec in payload.items():
            _check_endpoint(endpoint)
            if not isinstance(spec, dict):
                raise FaultError("Every fault must be a JSON object.")
            if not set(spec) <= {"latency_ms", "status", "drop"}:
                raise FaultError("A fault only accepts the fields latency_ms, status and drop.")
            faults[endpoint] = Fault(**spec)
        return faults


def _check_endpoint(endpoint: object) -> None:
    """Raise FaultError unless ``endpoint`` is one that faults can be injected into."""
    if endpoint not in FAULT_ENDPOINTS:
        raise FaultError("Faults can only be set for the endpoints get, add and remove.")


def _is_int(value: object) -> bool:
    """True for real ints (bool is not accepted as a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- parameter validation ----------------------------------------------------------------------


def _identity(params: dict[str, object]) -> tuple[str, str]:
    """Return (shop_id, did); a missing key is 401 like PersonaClick, a bad value 422."""
    for key in ("shop_id", "did"):
        if key not in params:
            raise ApiError(401, f"The {key} parameter is required.")
    return _text(params, "shop_id"), _text(params, "did")


def _text(params: dict[str, object], key: str) -> str:
    """Return a required, non-empty string parameter of at most 256 characters."""
    if key not in params:
        raise ApiError(422, f"The {key} parameter is required.")
    value = params[key]
    if not isinstance(value, str):
        raise ApiError(422, f"The {key} parameter must be a string.")
    if not value:
        raise ApiError(422, f"The {key} parameter must not be empty.")
    if len(value) > MAX_PARAM_CHARS:
        raise ApiError(422, f"The {key} parameter must be at most {MAX_PARAM_CHARS} characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, f"The {key} parameter must be valid Unicode text.") from None
    return value


def _segment_id(params: dict[str, object]) -> int | str:
    """Return the normalised segment_id: a JSON integer, or a string (digit strings become int)."""
    value = params.get("segment_id")
    if _is_int(value):
        return value
    if "segment_id" in params and not isinstance(value, str):
        raise ApiError(422, "The segment_id parameter must be an integer or a string.")
    return normalise_segment_id(_text(params, "segment_id"))


def _contact(
    params: dict[str, object], key: str, pattern: re.Pattern[str], rule: str
) -> str | None:
    """Return an optional contact field (absent or null means not given); never echo its value."""
    if params.get(key) is None:
        return None
    value = _text(params, key)
    if not pattern.fullmatch(value):
        raise ApiError(422, f"The {key} parameter {rule}.")
    return value


def _query_params(query: str) -> dict[str, object]:
    """Parse a query string; a repeated parameter is ambiguous and refused with 422."""
    params: dict[str, object] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            raise ApiError(422, f"The {key} parameter must be given only once.")
        params[key] = value
    return params


def _reject_constant(name: str) -> None:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


# --- HTTP server -------------------------------------------------------------------------------


class _SandboxHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the sandbox state shared by all request handlers."""

    daemon_threads = True
    request_queue_size = 1024
    # Idle keep-alive connections must not hold up close(); handler threads are daemons.
    block_on_close = False

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
        self.root = root.resolve()
        self.data_dir = data_dir.resolve()
        self.store = store
        self.shops = shops
        self.isolate = isolate
        self.faults = FaultTable()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup, which can stall for seconds."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that hang up; report other errors without their message."""
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (ConnectionError, TimeoutError)):
            _log_exception(exc)


def _log_exception(exc: BaseException) -> None:
    """Log an exception's type and stack, but not its message, which may carry request data."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    sys.stderr.write(f"sandbox: internal error {type(exc).__name__}\n{stack}")


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to the API, the fault table or the static files."""

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

    # --- routing ---

    def _dispatch(self) -> None:
        """Route the request and turn every failure into a JSON error response."""
        self._body_read = False
        path, _, query = self.path.partition("?")
        try:
            route = _ROUTES.get(path)
            if route is not None:
                self._run_route(route, query)
            elif path.startswith(("/api/", "/_sandbox/")) or path in ("/api", "/_sandbox"):
                raise ApiError(404, "This API endpoint does not exist.")
            else:
                self._serve_static(path, query)
        except ApiError as err:
            self._send_json(err.status, {"status": "error", "message": err.message}, err.headers)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - any bug becomes a 500, not a dropped socket
            _log_exception(exc)
            self._send_json(
                500, {"status": "error", "message": "The sandbox hit an internal error."}
            )

    def _run_route(self, route: _Route, query: str) -> None:
        """Check the method, apply any injected fault, then run the endpoint's action."""
        action = route.methods.get(self.command)
        if action is None:
            allow = ", ".join(route.methods)
            raise ApiError(405, f"This endpoint only accepts {allow} requests.", {"Allow": allow})
        fault = self.server.faults.get(route.fault) if route.fault else None
        if fault is not None:
            time.sleep(fault.latency_ms / 1000)
            if fault.drop:
                self._drain_body()
                self.close_connection = True
                return
            if fault.status is not None:
                raise ApiError(fault.status, f"The sandbox injected an HTTP {fault.status} fault.")
        status, payload = action(self, query)
        self._send_json(status, payload)

    # --- request body ---

    def _read_json_object(self) -> dict[str, object]:
        """Read and parse the JSON object body, enforcing length and content type."""
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise ApiError(411, "A Content-Length header is required.")
        if not length_header.isascii() or not length_header.isdigit():
            raise ApiError(400, "The Content-Length header is not a valid number.")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            raise ApiError(413, f"The request body must be at most {MAX_BODY_BYTES} bytes.")
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        # text/plain too: sendBeacon and CORS "simple" requests cannot send application/json.
        if media_type not in ("application/json", "text/plain"):
            raise ApiError(415, "The request body must be sent as application/json.")
        raw = self.rfile.read(length)
        self._body_read = True
        if len(raw) != length:
            self.close_connection = True
            raise ApiError(400, "The request body ended before Content-Length bytes.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ApiError(400, "The request body is not valid UTF-8 JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return data

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

    # --- responses ---

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        """Send a JSON response that browsers must not cache."""
        body = json.dumps(payload).encode("utf-8")
        self._drain_body()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # --- API actions: each returns (status, JSON payload) ---

    def _segments_add(self, query: str) -> tuple[int, object]:
        """POST /api/segments/add."""
        self._change_membership(self.server.store.add_membership)
        return 200, {"status": "success"}

    def _segments_remove(self, query: str) -> tuple[int, object]:
        """POST /api/segments/remove."""
        self._change_membership(self.server.store.remove_membership)
        return 200, {"status": "success"}

    def _change_membership(self, write: Callable[..., None]) -> None:
        """Validate an add/remove body in a fixed order (401, 422, 404, 422) and write it."""
        params = self._read_json_object()
        shop_id, did = _identity(params)
        _text(params, "sid")
        segment_id = _segment_id(params)
        email_addr = _contact(params, "email", _EMAIL, "must be an email address like a@b.example")
        phone = _contact(params, "phone", _PHONE, "must be '+' followed by 7 to 15 digits")
        segment = self._shop(shop_id).segments.get(segment_id)
        if segment is None:
            raise ApiError(404, "The segment does not exist in this shop's catalogue.")
        if segment.type != "static":
            raise ApiError(
                422, "Only static segments can be changed; dynamic and RFM ones are computed."
            )
        write(shop_id, did, segment.id, email=email_addr, phone=phone)

    def _segments_get(self, query: str) -> tuple[int, object]:
        """GET /api/segments/get: the device's segments ordered by id."""
        params = _query_params(query)
        shop_id, did = _identity(params)
        _text(params, "sid")
        catalogue = self._shop(shop_id).segments
        ids = self.server.store.segment_ids(shop_id, did)
        # Memberships of segments since dropped from the seed are not reported.
        return 200, [{"id": i, "type": catalogue[i].type} for i in ids if i in catalogue]

    def _catalogue(self, query: str) -> tuple[int, object]:
        """GET /api/catalogue: the shop's segments in seed order, with names."""
        params = _query_params(query)
        if "shop_id" not in params:
            raise ApiError(401, "The shop_id parameter is required.")
        shop = self._shop(_text(params, "shop_id"))
        return 200, [{"id": s.id, "name": s.name, "type": s.type} for s in shop.segments.values()]

    def _shop(self, shop_id: str) -> Shop:
        """Return the seeded shop, or fail with 404."""
        shop = self.server.shops.get(shop_id)
        if shop is None:
            raise ApiError(404, "The shop does not exist.")
        return shop

    def _faults_get(self, query: str) -> tuple[int, object]:
        """GET /_sandbox/faults."""
        return 200, self.server.faults.snapshot()

    def _faults_put(self, query: str) -> tuple[int, object]:
        """PUT /_sandbox/faults: validate, then replace the whole table."""
        payload = self._read_json_object()
        try:
            faults = FaultTable.parse(payload)
        except FaultError as exc:
            raise ApiError(422, str(exc)) from None
        self.server.faults.replace(faults)
        return 200, self.server.faults.snapshot()

    def _faults_delete(self, query: str) -> tuple[int, object]:
        """DELETE /_sandbox/faults: clear the table."""
        self.server.faults.clear()
        return 200, self.server.faults.snapshot()

    # --- static files ---

    def _serve_static(self, url_path: str, query: str) -> None:
        """Serve a file under the root; a directory URL without its slash is redirected."""
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "Static files only accept GET and HEAD.", {"Allow": "GET, HEAD"})
        path = self._static_file(url_path)
        if path is None:
            self._send_redirect(url_path + "/" + (f"?{query}" if query else ""))
            return
        try:
            file = path.open("rb")
        except OSError:
            raise ApiError(404, "The file was not found.") from None
        with file:
            self._send_file(file, path.suffix.lower())

    def _static_file(self, url_path: str) -> Path | None:
        """Map a URL path to a visible file inside the root (None: directory without slash)."""
        if not url_path.startswith("/"):
            raise ApiError(404, "The file was not found.")
        parts = [part for part in unquote(url_path).split("/") if part]
        self._refuse_hidden(parts)
        target = self.server.root.joinpath(*parts)
        try:
            if target.is_dir():
                if not url_path.endswith("/"):
                    return None
                target = target / "index.html"
            # Resolve symlinks so a link cannot lead out of the root or into hidden places.
            resolved = target.resolve()
            is_file = resolved.is_file()
        except OSError:
            raise ApiError(404, "The file was not found.") from None
        root, data_dir = self.server.root, self.server.data_dir
        if not is_file or not resolved.is_relative_to(root) or resolved.is_relative_to(data_dir):
            raise ApiError(404, "The file was not found.")
        self._refuse_hidden(list(resolved.relative_to(root).parts))
        return resolved

    @staticmethod
    def _refuse_hidden(parts: list[str]) -> None:
        """404 for dot-names, node_modules, the data directory, and path tricks."""
        if parts and parts[0] in HIDDEN_TOP_LEVEL:
            raise ApiError(404, "The file was not found.")
        for part in parts:
            if part.startswith(".") or part in HIDDEN_NAMES or "\\" in part or "\0" in part:
                raise ApiError(404, "The file was not found.")

    def _send_file(self, file: BinaryIO, suffix: str) -> None:
        """Send a file with validators; 304 when the client's ETag still matches."""
        stat = os.fstat(file.fileno())
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = {
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
            # Always revalidate: cheap 304s, and edited files show up at once.
            "Cache-Control": "no-cache",
        }
        self._drain_body()
        if _etag_matches(self.headers.get("If-None-Match"), etag):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._send_headers(headers)
            return
        self.send_response(HTTPStatus.OK)
        headers["Content-Type"] = MIME_TYPES.get(suffix, DEFAULT_MIME)
        headers["Content-Length"] = str(stat.st_size)
        self._send_headers(headers)
        if self.command == "GET":
            try:
                shutil.copyfileobj(file, self.wfile, 64 * 1024)
            except OSError:
                self.close_connection = True

    def _send_redirect(self, location: str) -> None:
        """Send a 301 to ``location``."""
        self._drain_body()
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self._send_headers({"Location": location, "Content-Length": "0"})

    def _send_headers(self, headers: dict[str, str]) -> None:
        """Send the headers (and Connection: close when the connection ends) of a response."""
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names ``etag`` (weak comparison) or is ``*``."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@dataclass(frozen=True)
class _Route:
    """Handlers of one API path by HTTP method, and the fault-table endpoint it obeys."""

    methods: dict[str, Callable[[_Handler, str], tuple[int, object]]]
    fault: str | None = None


_ROUTES = {
    "/api/segments/add": _Route({"POST": _Handler._segments_add}, "add"),
    "/api/segments/remove": _Route({"POST": _Handler._segments_remove}, "remove"),
    "/api/segments/get": _Route({"GET": _Handler._segments_get}, "get"),
    "/api/catalogue": _Route({"GET": _Handler._catalogue}),
    "/_sandbox/faults": _Route(
        {
            "GET": _Handler._faults_get,
            "PUT": _Handler._faults_put,
            "DELETE": _Handler._faults_delete,
        }
    ),
}


# --- public entry points -----------------------------------------------------------------------


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
        """Stop serving, release the port and close the database."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
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
