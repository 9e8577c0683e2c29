"""``python -m sandbox --reset`` starts from the seed again; without it the data is kept."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sandbox.__main__ import main
from sandbox.store import DB_FILENAME
from sandbox_helpers import SHOP, add, get_segments, running

EMAIL = "john.doe@examplestore.com"
GET_PATH = f"/segments/get?shop_id={SHOP}&did=device-1&sid=session-1"


@contextmanager
def cli(*options: str, cwd: Path) -> Iterator[http.client.HTTPConnection]:
    """``python -m sandbox --port 0 OPTIONS``, with a connection to it; stopped on the way out."""
    command = [sys.executable, "-m", "sandbox", "--port", "0", *options]
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, text=True)
    try:
        url = urlsplit(proc.stdout.readline().split()[1])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        yield conn
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def get_json(conn: http.client.HTTPConnection, path: str) -> object:
    """GET path on the connection and decode its JSON answer."""
    conn.request("GET", path)
    return json.loads(conn.getresponse().read())


def test_reset_starts_from_the_seed(tmp_path: Path, root: Path) -> None:
    """Data from an earlier run is served again without --reset; with it, the memberships and
    profiles are gone and the seed's catalogue is all there is. Other files in --data stay."""
    data = tmp_path / "data"
    with running(root=root, data_dir=data) as earlier:
        assert add(earlier, email=EMAIL).status == 200
    (data / "notes.txt").write_text("mine")
    with cli("--data", str(data), cwd=tmp_path) as conn:
        assert get_json(conn, GET_PATH) == [{"id": 313, "type": "static"}]
    with cli("--data", str(data), "--reset", cwd=tmp_path) as conn:
        assert get_json(conn, GET_PATH) == []
        catalogue = get_json(conn, f"/_sandbox/catalogue?shop_id={SHOP}")
        assert [segment["id"] for segment in catalogue] == [100500, 313, 314, 777]
    with sqlite3.connect(data / DB_FILENAME) as db:
        assert db.execute("SELECT COUNT(*) FROM profiles").fetchone() == (0,)
    db.close()
    assert (data / "notes.txt").read_text() == "mine"


def test_reset_deletes_nothing_when_the_port_is_taken(tmp_path: Path, root: Path) -> None:
    """A --reset sandbox that cannot bind its port exits with an error and leaves the data."""
    data = tmp_path / "data"
    with running(root=root, data_dir=data) as server:
        add(server)
        command = [sys.executable, "-m", "sandbox", "--reset", "--data", str(data)]
        command += ["--port", str(server.port)]
        done = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 1
        assert "cannot start" in done.stderr
        assert get_segments(server).json() == [{"id": 313, "type": "static"}]


def test_help_documents_reset(capsys: pytest.CaptureFixture[str]) -> None:
    """--help says what --reset does."""
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--reset start from the seed again" in help_text
