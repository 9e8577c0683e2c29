"""The sandbox as a server: uvicorn's settings, restarts and shutdown, ``python -m sandbox``, and
data that outlives a kill -9."""

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
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browsers import SandboxProcess
from sandbox.server import SERVER_SETTINGS, SandboxServer, start_server
from sandbox.store import DB_FILENAME, DataError, Store
from sandbox_helpers import SHOP, add, call, connect, get_segments, ids, running

GET_PATH = f"/segments/get?shop_id={SHOP}&did=device-1&sid=session-1"


def get_on(conn: http.client.HTTPConnection, path: str = GET_PATH) -> tuple[int, object]:
    """GET path on an open connection: the status and the JSON answer."""
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, json.loads(response.read())


@contextmanager
def cli(*options: str, cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """``python -m sandbox --port 0 OPTIONS`` run from cwd; stopped with Ctrl-C on the way out."""
    command = [sys.executable, "-m", "sandbox", "--port", "0", *options]
    proc = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()  # no server outlives its test
            raise


def served(proc: subprocess.Popen[str]) -> http.client.HTTPConnection:
    """A connection to the sandbox whose Serving line proc printed."""
    line = proc.stdout.readline()
    assert line.startswith("Serving http://") and line.endswith("/\n"), line
    url = urlsplit(line.split()[1])
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def test_uvicorn_gets_the_sandbox_settings(
    root: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection settings reach uvicorn: with room for one connection, a request gets 503.
    Idle connections outlive a browser's (WebKit keeps one 60 s), so the browser closes first."""
    assert SERVER_SETTINGS["timeout_keep_alive"] > 60
    monkeypatch.setitem(SERVER_SETTINGS, "limit_concurrency", 1)
    with running(root=root, data_dir=data_dir) as server:
        assert call(server, "GET", "/").status == 503


def test_a_restart_keeps_the_data_and_cuts_old_connections(
    root: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """close() ends open keep-alive connections, so after a restart on the same port only the new
    server answers, from the same data."""
    first = start_server(root=root, data_dir=data_dir)
    old = connect(first)
    try:
        assert add(first).status == 200
        assert get_on(old) == (200, [{"id": 313, "type": "static"}])
        first.close()
        with running(root=root, data_dir=data_dir, port=first.port) as second:
            assert get_segments(second).json() == [{"id": 313, "type": "static"}]
            with pytest.raises(ConnectionError):
                get_on(old)
    finally:
        old.close()
    assert capsys.readouterr().err == ""


def test_close_answers_a_request_held_by_latency_at_once(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request still waiting on injected latency when close() comes gets a quiet 503 at once."""
    sandbox.faults.set("get", latency_ms=30_000)
    conn = connect(sandbox)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(get_on, conn)
        time.sleep(0.3)
        started = time.monotonic()
        sandbox.close()
        assert time.monotonic() - started < 5
        assert pending.result()[0] == 503
    conn.close()
    assert capsys.readouterr().err == ""


def test_the_command_line_serves_until_ctrl_c(tmp_path: Path, root: Path) -> None:
    """python -m sandbox, run from another folder, prints one Serving line, serves, and exits
    cleanly on SIGINT, its database written."""
    with cli("--data", str(tmp_path / "cli"), "--root", str(root), cwd=tmp_path) as proc:
        conn = served(proc)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
    assert proc.returncode == 0
    assert proc.communicate() == ("", "")
    assert (tmp_path / "cli" / DB_FILENAME).exists()


def test_binding_beyond_loopback_warns(tmp_path: Path) -> None:
    """--host with a non-loopback address prints a warning before serving."""
    with cli("--host", "0.0.0.0", "--data", str(tmp_path / "d"), cwd=tmp_path) as proc:
        assert proc.stdout.readline().startswith("Serving http://0.0.0.0:")
    assert "warning" in proc.stderr.read() and proc.returncode == 0


def test_reset_starts_from_the_seed(tmp_path: Path, root: Path) -> None:
    """Without --reset the data of an earlier run is served; with it the memberships are gone,
    the seed's catalogue is all there is, and other files in --data stay."""
    data = tmp_path / "data"
    with running(root=root, data_dir=data) as earlier:
        assert add(earlier, email="ann@examplestore.com").status == 200
    (data / "notes.txt").write_text("mine")
    with cli("--data", str(data), cwd=tmp_path) as proc:
        assert get_on(served(proc)) == (200, [{"id": 313, "type": "static"}])
    with cli("--data", str(data), "--reset", cwd=tmp_path) as proc:
        conn = served(proc)
        assert get_on(conn) == (200, [])
        status, catalogue = get_on(conn, f"/_sandbox/catalogue?shop_id={SHOP}")
        assert [segment["id"] for segment in catalogue] == [100500, 313, 314, 777]
    assert (data / "notes.txt").read_text() == "mine"


def test_reset_deletes_nothing_when_the_port_is_taken(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A --reset sandbox that cannot bind its port exits with an error and leaves the data."""
    add(sandbox)
    command = [sys.executable, "-m", "sandbox", "--reset", "--port", str(sandbox.port)]
    command += ["--data", str(sandbox.store.path.parent)]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 1 and "cannot start" in done.stderr
    assert get_segments(sandbox).json() == [{"id": 313, "type": "static"}]


def test_a_database_of_the_first_layout_is_refused_naming_reset(tmp_path: Path) -> None:
    """A data folder of the first layout (memberships per device) is not read: starting on it
    fails with a message that says to start with --reset."""
    with sqlite3.connect(tmp_path / DB_FILENAME) as db:
        db.execute("CREATE TABLE memberships (shop_id, did, segment_id)")
    db.close()
    with pytest.raises(DataError, match="--reset"):
        Store(tmp_path)


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    """Every add answered before a SIGKILL is there after a restart, which the harness's
    SandboxProcess makes on the same port."""
    sandbox = SandboxProcess(tmp_path / "data")
    try:
        port = sandbox.port
        for n in range(50):
            assert add(sandbox, did=f"d{n}").json() == {"status": "success"}
        sandbox.kill()
        sandbox.restart()
        assert sandbox.port == port
        assert all(ids(get_segments(sandbox, did=f"d{n}")) == [313] for n in range(50))
    finally:
        sandbox.close()
