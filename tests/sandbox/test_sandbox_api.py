"""Tests of the sandbox's segments API on its own: successful calls, documented errors, the CLI."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sandbox.server import SandboxServer, start_server
from sandbox.store import DB_FILENAME
from sandbox_helpers import (
    SHOP,
    add,
    assert_error,
    call,
    connect,
    get_segments,
    remove,
    running,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "john.doe@examplestore.com"
PHONE = "+15551234567"
GET_PATH = f"/segments/get?shop_id={SHOP}&did=device-1&sid=session-1"


def count_rows(data_dir: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    """Run a COUNT query against the sandbox database file directly."""
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        return conn.execute(sql, params).fetchone()[0]


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
    """GET /_sandbox/catalogue returns the seeded segments with names and types."""
    reply = call(sandbox, "GET", f"/_sandbox/catalogue?shop_id={SHOP}")
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
    with running(root=root, data_dir=tmp_path / "d", seed_path=seed) as server:
        assert add(server, segment_id="vip").status == 200
        assert get_segments(server).json() == [{"id": "vip", "type": "static"}]
        assert_error(add(server, segment_id=313), 404)


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
    assert sandbox.store.profile(SHOP, "device-1") is None
    assert add(sandbox, email=None, phone=None).status == 200
    assert sandbox.store.profile(SHOP, "device-1") == {"email": None, "phone": None}


def test_add_and_remove_are_idempotent(sandbox: SandboxServer, data_dir: Path) -> None:
    """Adding twice keeps one membership row; removing a non-member still succeeds."""
    assert add(sandbox).status == 200
    assert add(sandbox).status == 200
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 1
    assert remove(sandbox).status == 200
    assert remove(sandbox).json() == {"status": "success"}
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 0


def test_data_survives_a_restart(root: Path, data_dir: Path) -> None:
    """A new server on the same data_dir sees the memberships and profiles of the old one."""
    with running(root=root, data_dir=data_dir) as first:
        assert add(first, email=EMAIL).status == 200
    with running(root=root, data_dir=data_dir) as second:
        assert get_segments(second).json() == [{"id": 313, "type": "static"}]
        assert second.store.profile(SHOP, "device-1") == {"email": EMAIL, "phone": None}


def test_sql_looking_strings_are_stored_literally(sandbox: SandboxServer, data_dir: Path) -> None:
    """Quote-laden ids are bound as parameters: stored verbatim, tables left intact."""
    did = "x'); DROP TABLE memberships;--"
    sid = "' OR '1'='1"
    assert add(sandbox, did=did, sid=sid).status == 200
    assert get_segments(sandbox, did=did).json() == [{"id": 313, "type": "static"}]
    assert get_segments(sandbox, did="' OR '1'='1").json() == []
    stored = count_rows(data_dir, "SELECT COUNT(*) FROM devices WHERE did = ?", (did,))
    assert stored == 1
    tables = count_rows(
        data_dir,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
        ("memberships", "profiles", "devices"),
    )
    assert tables == 3


def test_500_concurrent_adds_all_land(sandbox: SandboxServer, data_dir: Path) -> None:
    """500 simultaneous adds from distinct devices are all answered and all stored."""
    dids = [f"device-{n}" for n in range(500)]
    with ThreadPoolExecutor(max_workers=500) as pool:
        statuses = list(pool.map(lambda did: add(sandbox, did=did).status, dids))
    assert statuses == [200] * 500
    assert count_rows(data_dir, "SELECT COUNT(*) FROM memberships") == 500
    assert get_segments(sandbox, did="device-499").json() == [{"id": 313, "type": "static"}]


# --- server lifecycle --------------------------------------------------------------------------


def get_on(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    """GET device-1's segments on an open connection and read the whole answer."""
    conn.request("GET", GET_PATH)
    response = conn.getresponse()
    response.read()
    return response


def test_restart_on_the_same_port_cuts_old_keep_alive_connections(
    root: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """close() ends open keep-alive connections, so only the new server answers after a restart."""
    first = start_server(root=root, data_dir=data_dir)
    old = connect(first)
    try:
        assert add(first).status == 200
        response = get_on(old)
        assert (response.status, response.will_close) == (200, False)
        first.close()
        with running(root=root, data_dir=data_dir, port=urlsplit(first.url).port) as second:
            assert get_segments(second).json() == [{"id": 313, "type": "static"}]
            # The old handler must not answer with its closed database (a 500).
            with pytest.raises(ConnectionError):
                get_on(old)
    finally:
        old.close()
    assert capsys.readouterr().err == ""


def test_close_during_a_slow_request_answers_it_quietly(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request still waiting on injected latency when close() comes gets a 503 at once."""
    sandbox.faults.set("get", latency_ms=30_000)
    conn = connect(sandbox)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(get_on, conn)
        time.sleep(0.3)
        started = time.monotonic()
        sandbox.close()
        assert time.monotonic() - started < 5
        assert pending.result().status == 503
    conn.close()
    assert capsys.readouterr().err == ""


# --- command line ------------------------------------------------------------------------------


def test_cli_prints_one_line_serves_and_stops_on_ctrl_c(tmp_path: Path, root: Path) -> None:
    """python -m sandbox, run from another folder, prints one Serving line, serves, and exits
    cleanly on SIGINT."""
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--data", str(tmp_path / "cli")]
    command += ["--root", str(root)]
    proc = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
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
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()  # no server outlives its test
            raise
    assert proc.returncode == 0
    assert (out, err) == ("", "")
    assert (tmp_path / "cli" / DB_FILENAME).exists()
