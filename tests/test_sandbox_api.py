"""Tests of the sandbox HTTP server on its own: API, fault injection, static files, CLI."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from sandbox.server import FaultError, SandboxServer, start_server
from sandbox.store import DB_FILENAME

REPO_ROOT = Path(__file__).resolve().parent.parent
SHOP = "demo-shop"
EMAIL = "john.doe@examplestore.com"
PHONE = "+15551234567"


@dataclass
class Reply:
    """Status, headers and raw body of one HTTP response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> object:
        """Decode the body as JSON."""
        return json.loads(self.body)


def connect(server: SandboxServer) -> http.client.HTTPConnection:
    """Open a connection to the server."""
    parts = urlsplit(server.url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def call(
    server: SandboxServer,
    method: str,
    path: str,
    body: object = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Send one request; dicts and lists are sent as JSON, bytes as they are."""
    headers = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    conn = connect(server)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


MISSING = object()


def segment_body(**changes: object) -> dict[str, object]:
    """A valid add/remove body with some keys changed (MISSING removes a key)."""
    body: dict[str, object] = {
        "shop_id": SHOP,
        "did": "device-1",
        "sid": "session-1",
        "segment_id": 313,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not MISSING}


def add(server: SandboxServer, **changes: object) -> Reply:
    """POST /api/segments/add with a valid body modified by ``changes``."""
    return call(server, "POST", "/api/segments/add", segment_body(**changes))


def remove(server: SandboxServer, **changes: object) -> Reply:
    """POST /api/segments/remove with a valid body modified by ``changes``."""
    return call(server, "POST", "/api/segments/remove", segment_body(**changes))


def get_segments(server: SandboxServer, did: str = "device-1", **params: str) -> Reply:
    """GET /api/segments/get for one device."""
    query = urlencode({"shop_id": SHOP, "did": did, "sid": "session-1", **params})
    return call(server, "GET", f"/api/segments/get?{query}")


def assert_error(reply: Reply, status: int) -> str:
    """Check an error reply's status, content type and body shape; return its message."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    payload = reply.json()
    assert payload["status"] == "error"
    assert payload["message"].endswith(".")
    return payload["message"]


def count_rows(data_dir: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    """Run a COUNT query against the sandbox database file directly."""
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        return conn.execute(sql, params).fetchone()[0]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A tiny static root with visible, hidden and outside files."""
    site = tmp_path / "site"
    files = {
        "index.html": "<!doctype html><title>demo</title>",
        "app.wasm": "\0asm",
        "main.mjs": "export {};",
        "pkg.whl": "PK",
        "pyscript.toml": "name = 'demo'",
        "blob.bin": "raw",
        "sub/index.html": "<p>sub</p>",
        ".git/config": "[core]",
        ".env": "SECRET=1",
        "node_modules/pkg/index.js": "secret",
        "data/sandbox.sqlite3": "secret",
    }
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "secret.txt").write_text("outside the root")
    (site / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return site


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Where the sandbox keeps its SQLite file."""
    return tmp_path / "data"


@pytest.fixture
def sandbox(root: Path, data_dir: Path) -> Iterator[SandboxServer]:
    """A running sandbox on a free port, with the shipped seed."""
    server = start_server(root=root, data_dir=data_dir)
    yield server
    server.close()


# --- successful calls ------------------------------------------------------------------------


def test_add_get_remove_round_trip(sandbox: SandboxServer) -> None:
    """Add puts a device in segments, get lists them ordered by id, remove takes one out."""
    assert add(sandbox, segment_id=100500).json() == {"status": "success"}
    assert add(sandbox, segment_id=313).json() == {"status": "success"}
    reply = get_segments(sandbox)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == [{"id": 313, "type": "static"}, {"id": 100500, "type": "static"}]
    assert remove(sandbox, segment_id=313).json() == {"status": "success"}
    assert get_segments(sandbox).json() == [{"id": 100500, "type": "static"}]


def test_get_lists_only_that_device(sandbox: SandboxServer) -> None:
    """Memberships are per device: another did sees none of them."""
    assert add(sandbox, did="device-a").status == 200
    assert get_segments(sandbox, did="device-a").json() == [{"id": 313, "type": "static"}]
    assert get_segments(sandbox, did="device-b").json() == []


def test_catalogue_lists_seeded_segments(sandbox: SandboxServer) -> None:
    """GET /api/catalogue returns the seeded segments with names and types."""
    reply = call(sandbox, "GET", f"/api/catalogue?shop_id={SHOP}")
    assert reply.status == 200
    assert reply.json() == [
        {"id": 100500, "name": "Newsletter", "type": "static"},
        {"id": 313, "name": "VIP customers", "type": "static"},
        {"id": 314, "name": "Frequent buyers", "type": "dynamic"},
        {"id": 777, "name": "Champions", "type": "rfm"},
    ]


def test_digit_string_segment_id_is_normalised(sandbox: SandboxServer) -> None:
    """segment_id "313" means the catalogue's integer 313."""
    assert add(sandbox, segment_id="313").status == 200
    assert get_segments(sandbox).json() == [{"id": 313, "type": "static"}]


def test_string_segment_ids_from_the_seed(tmp_path: Path, root: Path) -> None:
    """A catalogue with string ids accepts and returns them as strings."""
    seed = tmp_path / "seed.json"
    segments = [{"id": "vip", "name": "VIP", "type": "static"}]
    seed.write_text(json.dumps({"shops": [{"id": SHOP, "name": "S", "segments": segments}]}))
    server = start_server(root=root, data_dir=tmp_path / "d", seed_path=seed)
    try:
        assert add(server, segment_id="vip").status == 200
        assert get_segments(server).json() == [{"id": "vip", "type": "static"}]
        assert_error(add(server, segment_id=313), 404)
    finally:
        server.close()


def test_contact_fields_are_upserted_on_the_profile(sandbox: SandboxServer) -> None:
    """email and phone land on the device's profile, each call updating only what it gives."""
    assert add(sandbox, email=EMAIL).status == 200
    assert sandbox.store.profile(SHOP, "device-1") == {"email": EMAIL, "phone": None}
    assert remove(sandbox, phone=PHONE).status == 200
    assert sandbox.store.profile(SHOP, "device-1") == {"email": EMAIL, "phone": PHONE}
    assert add(sandbox, email=None, phone=None).status == 200
    assert sandbox.store.profile(SHOP, "device-1") == {"email": EMAIL, "phone": PHONE}


def test_null_contact_fields_count_as_absent(sandbox: SandboxServer) -> None:
    """email/phone sent as JSON null are ignored rather than refused."""
    assert add(sandbox, email=None, phone=None).status == 200
    assert sandbox.store.profile(SHOP, "device-1") is None


def test_add_and_remove_are_idempotent(sandbox: SandboxServer, data_dir: Path) -> None:
    """Adding twice keeps one membership row; removing a non-member still succeeds."""
    assert add(sandbox).status == 200
    assert add(sandbox).status == 200
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 1
    assert remove(sandbox).status == 200
    assert remove(sandbox).json() == {"status": "success"}
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 0


def test_text_plain_and_charset_content_types_are_accepted(sandbox: SandboxServer) -> None:
    """sendBeacon-style text/plain and application/json with a charset are both accepted."""
    body = json.dumps(segment_body()).encode()
    for content_type in ("text/plain;charset=UTF-8", "application/json; charset=utf-8"):
        headers = {"Content-Type": content_type}
        reply = call(sandbox, "POST", "/api/segments/add", body, headers)
        assert reply.status == 200, content_type


def test_data_survives_a_restart(root: Path, data_dir: Path) -> None:
    """A new server on the same data_dir sees the memberships and profiles of the old one."""
    first = start_server(root=root, data_dir=data_dir)
    assert add(first, email=EMAIL).status == 200
    first.close()
    second = start_server(root=root, data_dir=data_dir)
    try:
        assert get_segments(second).json() == [{"id": 313, "type": "static"}]
        assert second.store.profile(SHOP, "device-1") == {"email": EMAIL, "phone": None}
    finally:
        second.close()


def test_sql_looking_strings_are_stored_literally(sandbox: SandboxServer, data_dir: Path) -> None:
    """Quote-laden ids are bound as parameters: stored verbatim, tables left intact."""
    did = "x'); DROP TABLE memberships;--"
    sid = "' OR '1'='1"
    assert add(sandbox, did=did, sid=sid).status == 200
    assert get_segments(sandbox, did=did).json() == [{"id": 313, "type": "static"}]
    assert get_segments(sandbox, did="' OR '1'='1").json() == []
    stored = count_rows(data_dir, "SELECT COUNT(*) FROM memberships WHERE did = ?", (did,))
    assert stored == 1
    tables = count_rows(
        data_dir,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
        ("memberships", "profiles"),
    )
    assert tables == 2


def test_500_concurrent_adds_all_land(sandbox: SandboxServer, data_dir: Path) -> None:
    """500 simultaneous adds from distinct devices are all answered and all stored."""
    dids = [f"device-{n}" for n in range(500)]
    with ThreadPoolExecutor(max_workers=500) as pool:
        statuses = list(pool.map(lambda did: add(sandbox, did=did).status, dids))
    assert statuses == [200] * 500
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 500
    assert get_segments(sandbox, did="device-499").json() == [{"id": 313, "type": "static"}]


# --- documented errors -------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["shop_id", "did"])
@pytest.mark.parametrize("endpoint", ["add", "remove", "get"])
def test_missing_shop_id_or_did_is_401(sandbox: SandboxServer, endpoint: str, missing: str) -> None:
    """Leaving out shop_id or did is an authentication error, on every endpoint."""
    if endpoint == "get":
        params = {"shop_id": SHOP, "did": "d", "sid": "s"}
        del params[missing]
        reply = call(sandbox, "GET", f"/api/segments/get?{urlencode(params)}")
    else:
        reply = call(
            sandbox, "POST", f"/api/segments/{endpoint}", segment_body(**{missing: MISSING})
        )
    assert missing in assert_error(reply, 401)


def test_catalogue_errors(sandbox: SandboxServer) -> None:
    """The catalogue needs a known, non-empty shop_id."""
    assert_error(call(sandbox, "GET", "/api/catalogue"), 401)
    assert_error(call(sandbox, "GET", "/api/catalogue?shop_id="), 422)
    assert_error(call(sandbox, "GET", "/api/catalogue?shop_id=nope"), 404)


def test_unknown_shop_is_404(sandbox: SandboxServer) -> None:
    """A shop that is not in the seed is not found, for writes and reads."""
    assert "shop" in assert_error(add(sandbox, shop_id="no-such-shop"), 404)
    reply = call(sandbox, "GET", "/api/segments/get?shop_id=no-such-shop&did=d&sid=s")
    assert_error(reply, 404)


@pytest.mark.parametrize("segment_id", [999, "999", "vip", -1, 10**30])
def test_unknown_segment_is_404(sandbox: SandboxServer, segment_id: object) -> None:
    """A segment id outside the shop's catalogue is not found."""
    assert "segment" in assert_error(add(sandbox, segment_id=segment_id), 404)


@pytest.mark.parametrize("path", ["/api/segments/list", "/api/", "/api", "/_sandbox/nope"])
def test_unknown_api_path_is_404(sandbox: SandboxServer, path: str) -> None:
    """Paths under /api/ and /_sandbox/ that are not endpoints answer a JSON 404."""
    assert_error(call(sandbox, "GET", path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/segments/add", "POST"),
        ("PUT", "/api/segments/remove", "POST"),
        ("POST", "/api/segments/get", "GET"),
        ("POST", "/_sandbox/faults", "GET, PUT, DELETE"),
        ("POST", "/index.html", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405(sandbox: SandboxServer, method: str, path: str, allow: str) -> None:
    """A known path with the wrong method answers 405 and says what is allowed."""
    reply = call(sandbox, method, path, b"{}", {"Content-Type": "application/json"})
    assert_error(reply, 405)
    assert reply.headers["Allow"] == allow


@pytest.mark.parametrize(
    "changes",
    [
        {"shop_id": ""},
        {"shop_id": None},
        {"did": ""},
        {"did": 42},
        {"sid": MISSING},
        {"sid": ""},
        {"sid": ["s"]},
        {"segment_id": MISSING},
        {"segment_id": None},
        {"segment_id": ""},
        {"segment_id": [313]},
        {"segment_id": True},
        {"segment_id": 313.0},
        {"segment_id": {"id": 313}},
        {"did": "d" * 257},
        {"sid": "s" * 257},
        {"segment_id": "9" * 257},
        {"did": "\ud800"},
        {"email": ""},
        {"email": "not-an-email"},
        {"email": ["a@b.co"]},
        {"email": "a" * 250 + "@b.example"},
        {"phone": "15551234567"},
        {"phone": "+123456"},
        {"phone": "+1234567890123456"},
        {"phone": 15551234567},
    ],
)
def test_malformed_parameters_are_422(sandbox: SandboxServer, changes: dict[str, object]) -> None:
    """Empty, over-long, wrongly typed or badly shaped parameters are unprocessable."""
    assert_error(add(sandbox, **changes), 422)
    assert get_segments(sandbox).json() == []


@pytest.mark.parametrize(
    "query",
    [
        {"shop_id": SHOP, "did": "", "sid": "s"},
        {"shop_id": "", "did": "d", "sid": "s"},
        {"shop_id": SHOP, "did": "d"},
        {"shop_id": SHOP, "did": "d", "sid": ""},
        {"shop_id": SHOP, "did": "d" * 257, "sid": "s"},
    ],
)
def test_malformed_get_parameters_are_422(sandbox: SandboxServer, query: dict[str, str]) -> None:
    """segments/get refuses empty, missing-sid and over-long query parameters."""
    assert_error(call(sandbox, "GET", f"/api/segments/get?{urlencode(query)}"), 422)


def test_repeated_query_parameter_is_422(sandbox: SandboxServer) -> None:
    """A query parameter given twice is ambiguous and refused."""
    reply = call(sandbox, "GET", f"/api/segments/get?shop_id={SHOP}&did=a&did=b&sid=s")
    assert_error(reply, 422)


@pytest.mark.parametrize("segment_id", [314, 777])
@pytest.mark.parametrize("endpoint", ["add", "remove"])
def test_computed_segments_cannot_be_changed(
    sandbox: SandboxServer, endpoint: str, segment_id: int
) -> None:
    """Dynamic and RFM segments are computed by PersonaClick, so add/remove is 422."""
    body = segment_body(segment_id=segment_id)
    assert "static" in assert_error(call(sandbox, "POST", f"/api/segments/{endpoint}", body), 422)
    assert get_segments(sandbox).json() == []


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[1, 2]", b'"text"', b"null", b"\xff\xfe", b'{"a": NaN}', b"[" * 5000]
)
def test_body_that_is_not_a_json_object_is_400(sandbox: SandboxServer, raw: bytes) -> None:
    """Invalid JSON, non-UTF-8 bytes and JSON that is not an object are bad requests."""
    headers = {"Content-Type": "application/json"}
    assert_error(call(sandbox, "POST", "/api/segments/add", raw, headers), 400)


def test_oversized_body_is_413(sandbox: SandboxServer) -> None:
    """A body over 64 KiB is refused, even when it is otherwise valid JSON."""
    body = json.dumps(segment_body(padding="x" * 65536)).encode()
    headers = {"Content-Type": "application/json"}
    assert_error(call(sandbox, "POST", "/api/segments/add", body, headers), 413)


def test_oversized_content_length_is_refused_before_reading(sandbox: SandboxServer) -> None:
    """A huge Content-Length is answered at once, without waiting for the body."""
    conn = connect(sandbox)
    try:
        conn.putrequest("POST", "/api/segments/add")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(50 * 1024 * 1024))
        conn.endheaders()
        response = conn.getresponse()
        assert_error(Reply(response.status, response.headers, response.read()), 413)
    finally:
        conn.close()


def test_missing_content_length_is_411(sandbox: SandboxServer) -> None:
    """A POST without Content-Length is refused with 411."""
    conn = connect(sandbox)
    try:
        conn.putrequest("POST", "/api/segments/add")
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        response = conn.getresponse()
        assert_error(Reply(response.status, response.headers, response.read()), 411)
    finally:
        conn.close()


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/html"])
def test_wrong_content_type_is_415(sandbox: SandboxServer, content_type: str | None) -> None:
    """Bodies that are not declared as JSON (or text/plain) are refused with 415."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = json.dumps(segment_body()).encode()
    assert_error(call(sandbox, "POST", "/api/segments/add", body, headers), 415)


def test_error_bodies_never_contain_email_or_phone(sandbox: SandboxServer) -> None:
    """No error message echoes the contact data that came with the request."""
    email, phone = "leak.check@examplestore.com", "+15550009999"
    failing = [
        add(sandbox, email=email, phone=phone, segment_id=999),
        add(sandbox, email=email, phone=phone, segment_id=314),
        add(sandbox, email=email, phone=phone, shop_id="nope"),
        add(sandbox, email=email, phone="+1" + "2" * 20),
        add(sandbox, email=email + "@", phone=phone),
        add(sandbox, email=email, phone=phone, sid=""),
        add(sandbox, email=email, phone=phone, did=MISSING),
        add(sandbox, email=email * 10, phone=phone),
    ]
    for reply in failing:
        assert reply.status >= 400
        assert b"leak.check" not in reply.body
        assert b"5550009999" not in reply.body


def test_early_error_keeps_the_connection_usable(sandbox: SandboxServer) -> None:
    """An early error drains the unread body, so the same keep-alive connection still works."""
    conn = connect(sandbox)
    try:
        conn.request("POST", "/api/segments/add", b"{}" * 100, {"Content-Type": "text/csv"})
        first = conn.getresponse()
        first.read()
        assert first.status == 415
        conn.request("GET", f"/api/catalogue?shop_id={SHOP}")
        second = conn.getresponse()
        assert second.status == 200
        assert len(json.loads(second.read())) == 4
    finally:
        conn.close()


# --- fault injection ---------------------------------------------------------------------------


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


def test_fault_put_replaces_the_whole_table(sandbox: SandboxServer) -> None:
    """PUT replaces the table: endpoints it leaves out lose their faults."""
    sandbox.faults.set("add", status=503)
    call(sandbox, "PUT", "/_sandbox/faults", {"get": {"latency_ms": 1}})
    assert set(sandbox.faults.snapshot()) == {"get"}
    assert add(sandbox).status == 200


@pytest.mark.parametrize("endpoint", ["get", "add"])
def test_fault_drop_closes_without_answer(sandbox: SandboxServer, endpoint: str) -> None:
    """drop closes the connection before any response bytes are sent."""
    send = get_segments if endpoint == "get" else add
    sandbox.faults.set(endpoint, drop=True)
    with pytest.raises(ConnectionError):
        send(sandbox)
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


def test_fault_set_from_python_validates(sandbox: SandboxServer) -> None:
    """faults.set refuses unknown endpoints and out-of-range values."""
    with pytest.raises(FaultError):
        sandbox.faults.set("catalogue", status=503)
    with pytest.raises(FaultError):
        sandbox.faults.set("get", status=99)
    with pytest.raises(FaultError):
        sandbox.faults.set("get", latency_ms=-5)
    assert sandbox.faults.snapshot() == {}


# --- static files ------------------------------------------------------------------------------


def test_index_is_served_at_root(sandbox: SandboxServer) -> None:
    """/ serves index.html as UTF-8 HTML with cache validators."""
    reply = call(sandbox, "GET", "/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == b"<!doctype html><title>demo</title>"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/app.wasm", "application/wasm"),
        ("/main.mjs", "text/javascript; charset=utf-8"),
        ("/pkg.whl", "application/zip"),
        ("/pyscript.toml", "text/plain; charset=utf-8"),
        ("/blob.bin", "application/octet-stream"),
        ("/sub/", "text/html; charset=utf-8"),
    ],
)
def test_mime_types_are_pinned(sandbox: SandboxServer, path: str, mime: str) -> None:
    """Content-Type comes from the sandbox's own table, not the system's."""
    reply = call(sandbox, "GET", path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == mime


def test_directory_without_slash_redirects(sandbox: SandboxServer) -> None:
    """/sub redirects to /sub/ so relative URLs in its index resolve correctly."""
    reply = call(sandbox, "GET", "/sub?x=1")
    assert reply.status == 301
    assert reply.headers["Location"] == "/sub/?x=1"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/../../secret.txt",
        "/sub/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/escape.txt",
        "/.git/config",
        "/%2egit/config",
        "/.env",
        "/node_modules/pkg/index.js",
        "/data/sandbox.sqlite3",
        "/missing.html",
        "/sub/..%5c..%5csecret.txt",
    ],
)
def test_hidden_and_outside_files_are_404(sandbox: SandboxServer, path: str) -> None:
    """Traversal, symlink escapes, dotfiles, node_modules and data/ are all not found."""
    reply = call(sandbox, "GET", path)
    assert_error(reply, 404)
    assert b"SECRET" not in reply.body and b"outside" not in reply.body


def test_data_dir_inside_root_is_hidden(tmp_path: Path, root: Path) -> None:
    """A data_dir placed inside the root is still never served."""
    server = start_server(root=root, data_dir=root / "db")
    try:
        assert_error(call(server, "GET", f"/db/{DB_FILENAME}"), 404)
    finally:
        server.close()


def test_etag_revalidation_answers_304(sandbox: SandboxServer) -> None:
    """A matching If-None-Match gets 304 with no body; a stale one gets the file."""
    etag = call(sandbox, "GET", "/app.wasm").headers["ETag"]
    cached = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": etag})
    assert cached.status == 304
    assert cached.body == b""
    assert cached.headers["ETag"] == etag
    weak = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304
    stale = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": '"stale"'})
    assert (stale.status, stale.body) == (200, b"\0asm")


def test_head_sends_headers_only(sandbox: SandboxServer) -> None:
    """HEAD reports the file's length and type without a body."""
    conn = connect(sandbox)
    try:
        conn.request("HEAD", "/index.html")
        response = conn.getresponse()
        assert response.status == 200
        assert response.headers["Content-Length"] == str(len("<!doctype html><title>demo</title>"))
        assert response.read() == b""
    finally:
        conn.close()


def test_isolate_adds_cross_origin_headers(root: Path, tmp_path: Path) -> None:
    """With isolate=True every response, errors included, carries COOP, COEP and CORP."""
    server = start_server(root=root, data_dir=tmp_path / "iso", isolate=True)
    try:
        replies = [
            call(server, "GET", "/"),
            call(server, "GET", "/nope"),
            call(server, "GET", f"/api/catalogue?shop_id={SHOP}"),
            call(server, "GET", "/api/segments/add"),
        ]
    finally:
        server.close()
    for reply in replies:
        assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert reply.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert reply.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_no_isolation_headers_by_default(sandbox: SandboxServer) -> None:
    """Without isolate the cross-origin isolation headers are absent."""
    reply = call(sandbox, "GET", "/")
    assert reply.headers["Cross-Origin-Embedder-Policy"] is None


# --- command line ------------------------------------------------------------------------------


def test_cli_prints_one_line_serves_and_stops_on_ctrl_c(tmp_path: Path, root: Path) -> None:
    """python -m sandbox --port 0 prints one Serving line, serves, and exits cleanly on SIGINT."""
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--data", str(tmp_path / "cli")]
    command += ["--root", str(root)]
    proc = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving http://127.0.0.1:") and line.endswith("/\n")
        parts = urlsplit(line.split()[1])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert (out, err) == ("", "")
    assert (tmp_path / "cli" / DB_FILENAME).exists()
