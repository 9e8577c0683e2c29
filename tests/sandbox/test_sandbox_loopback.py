"""The sandbox trusts nothing beyond loopback (hosts, origins of writes and CORS), serves only a
page's files, and sends the headers pages need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from sandbox.store import DB_FILENAME
from sandbox_helpers import SHOP, assert_error, call, running, segment_body

REPO_ROOT = Path(__file__).resolve().parents[2]
FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://192.168.1.20:8000",
    "null",
    "http://127.0.0.1.evil.example",
]
LOOPBACK_ORIGINS = ["http://127.0.0.1:3000", "http://localhost:5173", "http://[::1]:8080"]
GET_PATH = f"/segments/get?shop_id={SHOP}&did=device-1&sid=s"


# --- Host and Origin -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example:8000", "192.168.1.20", "127.0.0.1.nip.io"])
def test_a_foreign_host_gets_nothing(sandbox: SandboxServer, host: str) -> None:
    """A Host that is not a loopback name (DNS rebinding) gets no page, no API and no faults."""
    for method, path in [("GET", "/"), ("GET", GET_PATH), ("PUT", "/_sandbox/faults")]:
        reply = call(sandbox, method, path, {"get": {"status": 503}}, {"Host": host})
        assert reply.status == 400
        assert b"demo" not in reply.body and b"[" not in reply.body
    assert sandbox.faults.snapshot() == {}


def test_loopback_hosts_are_served(sandbox: SandboxServer) -> None:
    """127.0.0.1, localhost and [::1], with or without the port, reach the sandbox."""
    for host in ("127.0.0.1", "localhost", "[::1]"):
        for value in (host, f"{host}:{sandbox.port}"):
            assert call(sandbox, "GET", "/", headers={"Host": value}).status == 200


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_writes_from_foreign_pages_are_refused(sandbox: SandboxServer, origin: str) -> None:
    """A write from a web site, under any content type (a no-cors fetch or sendBeacon sends
    text/plain), is 403 and changes nothing, faults included; it gets no CORS grant either."""
    sandbox.faults.set("add", status=500)
    body = json.dumps(segment_body()).encode()
    for content_type in ["text/plain", "application/json", "application/x-www-form-urlencoded"]:
        headers = {"Origin": origin, "Content-Type": content_type}
        reply = call(sandbox, "POST", "/segments/add", body, headers)
        assert "loopback" in assert_error(reply, 403)
        assert_error(call(sandbox, "PUT", "/_sandbox/faults", b"{}", headers), 403)
    assert_error(call(sandbox, "DELETE", "/_sandbox/faults", headers={"Origin": origin}), 403)
    expected = {"add": {"latency_ms": 0, "status": 500, "drop": False, "hold": False}}
    assert sandbox.faults.snapshot() == expected
    assert sandbox.store.segment_ids(SHOP, "device-1") == []
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    assert call(sandbox, "OPTIONS", "/segments/add", headers=preflight).status == 400
    reply = call(sandbox, "GET", GET_PATH, headers={"Origin": origin})
    assert reply.headers["Access-Control-Allow-Origin"] is None


@pytest.mark.parametrize("origin", LOOPBACK_ORIGINS)
def test_pages_on_other_loopback_ports_may_write(sandbox: SandboxServer, origin: str) -> None:
    """A page on another loopback port gets its preflights answered and may write."""
    for path, method in [("/segments/add", "POST"), ("/_sandbox/faults", "PUT"), ("/v3.js", "GET")]:
        preflight = {
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        }
        reply = call(sandbox, "OPTIONS", path, headers=preflight)
        assert reply.status == 200
        assert reply.headers["Access-Control-Allow-Origin"] == origin
        assert "content-type" in reply.headers["Access-Control-Allow-Headers"].lower()
    reply = call(sandbox, "POST", "/segments/add", segment_body(), {"Origin": origin})
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == origin
    assert sandbox.store.segment_ids(SHOP, "device-1") == [313]


# --- files ---------------------------------------------------------------------------------------


@pytest.fixture(name="demo", scope="module")
def fixture_demo(tmp_path_factory: pytest.TempPathFactory):
    """The sandbox serving the demo page (no root)."""
    with running(data_dir=tmp_path_factory.mktemp("demo")) as server:
        yield server


def test_the_demo_serves_what_its_page_loads(demo: SandboxServer) -> None:
    """The page's own files, the stand-in SDK, the tag, the built wheel and the runtime."""
    wheels = sorted(REPO_ROOT.glob("dist/personaclick_bridge-*.whl"))
    assert wheels, "make dist/.ready builds the wheel"
    for path in [
        "/",
        "/main.py",
        "/pyscript.toml",
        "/pyscript.mpy.toml",
        "/start-python.js",
        "/personaclick_bridge.py",
        "/personaclick_bridge.js",
        "/v3.js",
        f"/dist/{wheels[0].name}",
        "/vendor/pyscript/core.js",
    ]:
        assert call(demo, "GET", path).status == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/Makefile",
        "/README.md",
        "/sandbox/server.py",
        "/tests/conftest.py",
        "/.git/config",
        "/.venv/pyvenv.cfg",
        "/data/sandbox.sqlite3",
        "/vendor/%2e%2e/Makefile",
    ],
)
def test_the_demo_serves_nothing_else(demo: SandboxServer, path: str) -> None:
    """Sources, tests, build and lock files, data, dotfiles and .git are 404."""
    assert_error(call(demo, "GET", path), 404)


def test_a_page_folder_is_served_but_its_hidden_files(root: Path, tmp_path: Path) -> None:
    """--root serves its files with the sandbox's own MIME types, revalidated on each load;
    dotfiles, SQLite files and a data folder inside it are 404."""
    with running(root=root, data_dir=root / "db") as server:
        for path, mime in [
            ("/", "text/html; charset=utf-8"),
            ("/app.wasm", "application/wasm"),
            ("/main.mjs", "text/javascript; charset=utf-8"),
            ("/pkg.whl", "application/zip"),
            ("/pyscript.toml", "text/plain; charset=utf-8"),
            ("/main.py", "text/plain; charset=utf-8"),
        ]:
            reply = call(server, "GET", path)
            assert (reply.status, reply.headers["Content-Type"]) == (200, mime), path
            assert reply.headers["Cache-Control"] == "no-cache"
        hidden = ["/.git/config", "/.env", "/sub/shop.sqlite3", "/sub/shop.sqlite3-wal"]
        for path in [*hidden, f"/db/{DB_FILENAME}"]:
            assert b"secret" not in call(server, "GET", path).body.lower()
            assert_error(call(server, "GET", path), 404)


@pytest.mark.parametrize("isolate", [False, True])
def test_isolation_and_embedding_headers(root: Path, tmp_path: Path, isolate: bool) -> None:
    """--isolate puts COOP, COEP and CORP on every answer, errors included; the SDK, the tag and
    the runtime carry CORP cross-origin either way, so isolated pages on other ports load them."""
    with running(root=root, data_dir=tmp_path / "d", isolate=isolate) as server:
        for path in ["/", "/nope", f"/_sandbox/catalogue?shop_id={SHOP}", "/segments/add"]:
            headers = call(server, "GET", path).headers
            assert headers["Cross-Origin-Opener-Policy"] == ("same-origin" if isolate else None)
            assert headers["Cross-Origin-Embedder-Policy"] == ("require-corp" if isolate else None)
            assert headers["Cross-Origin-Resource-Policy"] == ("same-origin" if isolate else None)
        for path in ["/v3.js", "/personaclick_bridge.js", "/vendor/missing.js"]:
            corp = call(server, "GET", path).headers["Cross-Origin-Resource-Policy"]
            assert corp == "cross-origin"
