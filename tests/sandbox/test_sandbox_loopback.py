"""The sandbox trusts nothing beyond loopback: hosts, origins and files."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.server import SERVER_SETTINGS, SandboxServer
from sandbox.static import DEMO_PAGE_FILES
from sandbox_helpers import (
    SHOP,
    assert_error,
    call,
    running,
    segment_body,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://192.168.1.20:8000",
    "null",
    "http://127.0.0.1.evil.example",
]
LOOPBACK_ORIGINS = ["http://127.0.0.1:3000", "http://localhost:5173", "http://[::1]:8080"]


def raw_exchange(server: SandboxServer, data: bytes, wait: float = 0.5) -> bytes:
    """Send raw bytes on a new connection and return all the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        time.sleep(wait)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# --- Host ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "192.168.1.20", "127.0.0.1.nip.io"]
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", f"/segments/get?shop_id={SHOP}&did=d&sid=s"),
        ("PUT", "/_sandbox/faults"),
    ],
)
def test_foreign_host_is_refused(sandbox: SandboxServer, host: str, method: str, path: str) -> None:
    """A Host that is not a loopback name (DNS rebinding) gets no page, no API and no faults."""
    reply = call(sandbox, method, path, {"get": {"status": 503}}, {"Host": host})
    assert reply.status == 400
    assert b"demo" not in reply.body and b"[" not in reply.body
    assert sandbox.faults.snapshot() == {}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_hosts_are_served(sandbox: SandboxServer, host: str) -> None:
    """127.0.0.1, localhost and [::1], with or without the port, reach the sandbox."""
    for value in (host, f"{host}:{sandbox.port}"):
        assert call(sandbox, "GET", "/", headers={"Host": value}).status == 200


# --- Origin of writes --------------------------------------------------------------------------


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain;charset=UTF-8", "application/json", "application/x-www-form-urlencoded"],
)
def test_writes_from_foreign_pages_are_refused(
    sandbox: SandboxServer, origin: str, content_type: str
) -> None:
    """A no-cors fetch or sendBeacon from a web site (text/plain too) is 403, stores nothing."""
    body = json.dumps(segment_body()).encode()
    headers = {"Origin": origin, "Content-Type": content_type}
    assert "loopback" in assert_error(call(sandbox, "POST", "/segments/add", body, headers), 403)
    assert sandbox.store.segment_ids(SHOP, "device-1") == []
    assert sandbox.store.profile(SHOP, "device-1") is None


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_faults_cannot_be_changed_from_foreign_pages(sandbox: SandboxServer, origin: str) -> None:
    """PUT and DELETE of the fault table with a foreign Origin are 403 and change nothing."""
    sandbox.faults.set("add", status=500)
    headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}
    before = sandbox.faults.snapshot()
    assert_error(call(sandbox, "PUT", "/_sandbox/faults", b'{"get": {"drop": true}}', headers), 403)
    assert_error(call(sandbox, "DELETE", "/_sandbox/faults", headers=headers), 403)
    assert sandbox.faults.snapshot() == before


@pytest.mark.parametrize("origin", LOOPBACK_ORIGINS)
def test_writes_from_loopback_pages_are_accepted(sandbox: SandboxServer, origin: str) -> None:
    """A page on another loopback port may write, and its answer carries CORS headers."""
    reply = call(sandbox, "POST", "/segments/add", segment_body(), {"Origin": origin})
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == origin
    assert sandbox.store.segment_ids(SHOP, "device-1") == [313]


# --- CORS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/segments/add", "/segments/get", "/_sandbox/faults", "/v3.js"])
@pytest.mark.parametrize("origin", LOOPBACK_ORIGINS)
def test_preflight_from_loopback_pages_is_allowed(
    sandbox: SandboxServer, path: str, origin: str
) -> None:
    """Preflights from loopback origins are answered for JSON writes."""
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST" if path != "/_sandbox/faults" else "PUT",
        "Access-Control-Request-Headers": "content-type",
    }
    reply = call(sandbox, "OPTIONS", path, headers=headers)
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == origin
    assert "content-type" in reply.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_cors_is_refused_to_foreign_pages(sandbox: SandboxServer, origin: str) -> None:
    """Foreign origins get no CORS grant: neither a preflight nor a readable answer."""
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    reply = call(sandbox, "OPTIONS", "/segments/add", headers=preflight)
    assert reply.status == 400
    assert reply.headers["Access-Control-Allow-Origin"] is None
    path = f"/segments/get?shop_id={SHOP}&did=d&sid=s"
    reply = call(sandbox, "GET", path, headers={"Origin": origin})
    assert reply.headers["Access-Control-Allow-Origin"] is None


# --- files served ------------------------------------------------------------------------------


@pytest.fixture(name="demo")
def fixture_demo(tmp_path: Path):
    """The sandbox serving the demo page (no root)."""
    with running(data_dir=tmp_path / "data") as server:
        yield server


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.html",
        "/main.py",
        "/pyscript.toml",
        "/pyscript.mpy.toml",
        "/personaclick_bridge.py",
        "/personaclick_bridge.js",
        "/v3.js",
    ],
)
def test_demo_serves_what_its_page_loads(demo: SandboxServer, path: str) -> None:
    """The page's own files and the stand-in SDK are served."""
    assert call(demo, "GET", path).status == 200


def test_demo_serves_the_built_wheel_and_vendor(demo: SandboxServer) -> None:
    """The wheel under dist/ (make test builds it) and the vendored runtime are served."""
    wheels = sorted(REPO_ROOT.glob("dist/personaclick_bridge-*.whl"))
    assert wheels, "make dist/.ready builds the wheel"
    assert call(demo, "GET", f"/dist/{wheels[0].name}").status == 200
    assert call(demo, "GET", "/vendor/pyscript/core.js").status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/Makefile",
        "/pyproject.toml",
        "/package.json",
        "/package-lock.json",
        "/requirements-test.txt",
        "/requirements-sandbox.txt",
        "/runtime-wheels.txt",
        "/README.md",
        "/sandbox/server.py",
        "/sandbox/store.py",
        "/sandbox/seed.json",
        "/sandbox/v3.js",
        "/tests/conftest.py",
        "/tests/browser/bridge.html",
        "/scripts/vendor.py",
        "/bench/page.html",
        "/.git/config",
        "/.git/HEAD",
        "/.gitignore",
        "/.ci/run",
        "/.venv/pyvenv.cfg",
        "/node_modules/.package-lock.json",
        "/dist/.ready",
        "/data/sandbox.sqlite3",
        "/sandbox/",
        "/tests/",
        "/%2e%2e/etc/passwd",
        "/vendor/../Makefile",
        "/vendor/%2e%2e/Makefile",
    ],
)
def test_demo_refuses_everything_else(demo: SandboxServer, path: str) -> None:
    """Sources, tests, scripts, build files, lock files, data, dotfiles and .git are 404."""
    assert_error(call(demo, "GET", path), 404)


def test_demo_allowlist_names_only_page_files() -> None:
    """The demo's allowlist is the page, its scripts and configs, the bridge and its wheel."""
    assert set(DEMO_PAGE_FILES) == {
        "index.html",
        "start-python.js",
        "main.py",
        "pyscript.toml",
        "pyscript.mpy.toml",
        "personaclick_bridge.py",
        "dist/personaclick_bridge-*.whl",
    }


def test_sqlite_files_are_never_served(root: Path, tmp_path: Path) -> None:
    """A SQLite file anywhere in a --root folder is 404, as is its journal."""
    (root / "sub" / "shop.sqlite3").write_text("secret")
    (root / "sub" / "shop.sqlite3-wal").write_text("secret")
    with running(root=root, data_dir=tmp_path / "d") as server:
        assert_error(call(server, "GET", "/sub/shop.sqlite3"), 404)
        assert_error(call(server, "GET", "/sub/shop.sqlite3-wal"), 404)
        assert call(server, "GET", "/v3.js").status == 200
        assert call(server, "GET", "/personaclick_bridge.js").status == 200  # beside /v3.js
        assert call(server, "GET", "/sub/index.html").status == 200


# --- uvicorn's settings ----------------------------------------------------------------------


def test_uvicorn_gets_the_sandbox_settings(
    root: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection settings reach uvicorn: with room for one connection, a request gets 503;
    idle connections outlive a browser's (WebKit keeps one 60 s)."""
    assert SERVER_SETTINGS["timeout_keep_alive"] > 60
    monkeypatch.setitem(SERVER_SETTINGS, "limit_concurrency", 1)
    with running(root=root, data_dir=data_dir) as server:
        assert call(server, "GET", "/").status == 503


# --- command line ------------------------------------------------------------------------------


def test_binding_beyond_loopback_warns(tmp_path: Path) -> None:
    """--host with a non-loopback address prints a warning before serving."""
    command = [sys.executable, "-m", "sandbox", "--host", "0.0.0.0", "--port", "0"]
    command += ["--data", str(tmp_path / "d")]
    proc = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("Serving http://0.0.0.0:")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning" in err and "0.0.0.0" in err


def test_loopback_binding_does_not_warn(tmp_path: Path) -> None:
    """The default binding, 127.0.0.1, prints only its Serving line."""
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--data", str(tmp_path / "d")]
    proc = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("Serving http://127.0.0.1:")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert err == ""
