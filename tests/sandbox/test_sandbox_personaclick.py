"""The sandbox behaves as PersonaClick documents: profiles and device switching, both error-body
shapes, GET or POST for segments/get, JSON or form bodies, and data that outlives a kill -9."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from sandbox.server import SandboxServer
from sandbox.store import DB_FILENAME, DataError, Store
from sandbox_helpers import SHOP, add, assert_error, call, get_segments, remove, running

EMAIL = "john.doe@examplestore.com"
PHONE = "+10000000000"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ids(reply) -> list[object]:
    """The segment ids of a segments/get answer."""
    assert reply.status == 200, reply.body
    return [segment["id"] for segment in reply.json()]


# --- profiles and device switching -------------------------------------------------------------


def test_two_devices_with_one_email_share_segments(sandbox: SandboxServer) -> None:
    """A device that identifies with an email joins that email's profile and sees its segments."""
    assert add(sandbox, did="laptop", email=EMAIL, segment_id=313).status == 200
    assert ids(get_segments(sandbox, did="phone")) == []
    assert add(sandbox, did="phone", email=EMAIL, segment_id=100500).status == 200
    assert ids(get_segments(sandbox, did="phone")) == [313, 100500]
    assert ids(get_segments(sandbox, did="laptop")) == [313, 100500]
    assert remove(sandbox, did="laptop", segment_id=313).status == 200
    assert ids(get_segments(sandbox, did="phone")) == [100500]


def test_phone_identifies_a_profile_too(sandbox: SandboxServer) -> None:
    """The phone binds devices the same way the email does."""
    add(sandbox, did="a", phone=PHONE, segment_id=313)
    add(sandbox, did="b", phone=PHONE, segment_id=100500)
    assert ids(get_segments(sandbox, did="a")) == [313, 100500]


def test_an_anonymous_device_keeps_its_segments_when_it_identifies(sandbox: SandboxServer) -> None:
    """The first contact a device gives joins its own profile: nothing it did before is lost."""
    add(sandbox, did="a", segment_id=313)
    add(sandbox, did="a", email=EMAIL, segment_id=100500)
    assert ids(get_segments(sandbox, did="a")) == [313, 100500]
    add(sandbox, did="b", email=EMAIL, segment_id=100500)
    assert ids(get_segments(sandbox, did="b")) == [313, 100500]
    assert sandbox.store.profile(SHOP, "b") == {"email": EMAIL, "phone": None}


def test_a_new_email_switches_the_device_to_a_new_profile(sandbox: SandboxServer) -> None:
    """A device that identified as one person and then as another sees the other's segments."""
    add(sandbox, did="shared", email=EMAIL, segment_id=313)
    add(sandbox, did="shared", email="ann@examplestore.com", segment_id=100500)
    assert ids(get_segments(sandbox, did="shared")) == [100500]
    add(sandbox, did="other", email=EMAIL, segment_id=313)
    assert ids(get_segments(sandbox, did="other")) == [313]


def test_profiles_belong_to_their_shop(tmp_path: Path, root: Path) -> None:
    """The same email in two shops is two profiles."""
    seed = tmp_path / "seed.json"
    segments = [{"id": 313, "name": "VIP", "type": "static"}]
    shops = [{"id": name, "name": name, "segments": segments} for name in (SHOP, "other-shop")]
    seed.write_text(json.dumps({"shops": shops}))
    with running(root=root, data_dir=tmp_path / "d", seed_path=seed) as server:
        add(server, did="a", email=EMAIL)
        add(server, shop_id="other-shop", did="b", email=EMAIL, segment_id=313)
        remove(server, shop_id="other-shop", did="b", email=EMAIL, segment_id=313)
        assert ids(get_segments(server, did="a")) == [313]


# --- request shapes ----------------------------------------------------------------------------


def test_segments_get_accepts_post_with_json_or_form(sandbox: SandboxServer) -> None:
    """POST /segments/get (the unified docs' method) answers like GET, from JSON or a form."""
    add(sandbox)
    query = {"shop_id": SHOP, "did": "device-1", "sid": "session-1"}
    assert ids(call(sandbox, "POST", "/segments/get", query)) == [313]
    assert ids(call(sandbox, "POST", "/segments/get", urlencode(query).encode(), FORM)) == [313]


def test_form_encoded_add_and_remove(sandbox: SandboxServer) -> None:
    """A form body like the docs' curl -d examples adds and removes, contacts included."""
    form = {"shop_id": SHOP, "did": "d", "sid": "s", "segment_id": "313", "email": EMAIL}
    reply = call(sandbox, "POST", "/segments/add", urlencode(form).encode(), FORM)
    assert reply.json() == {"status": "success"}
    assert sandbox.store.segment_ids(SHOP, "d") == [313]
    assert sandbox.store.profile(SHOP, "d") == {"email": EMAIL, "phone": None}
    call(sandbox, "POST", "/segments/remove", urlencode(form).encode(), FORM)
    assert sandbox.store.segment_ids(SHOP, "d") == []


def test_form_errors_are_the_documented_ones(sandbox: SandboxServer) -> None:
    """Form bodies meet the same checks: empty values 422, missing did 401, a repeat 422."""
    body = b"shop_id=demo-shop&did=d&sid=s&segment_id=313&email="
    assert_error(call(sandbox, "POST", "/segments/add", body, FORM), 422)
    body = b"shop_id=demo-shop&sid=s&segment_id=313"
    assert_error(call(sandbox, "POST", "/segments/add", body, FORM), 401)
    body = b"shop_id=demo-shop&did=d&sid=s&segment_id=313&segment_id=100500"
    assert_error(call(sandbox, "POST", "/segments/add", body, FORM), 422)
    assert sandbox.store.segment_ids(SHOP, "d") == []


def test_docs_server_to_server_request_gets_the_documented_401(sandbox: SandboxServer) -> None:
    """The docs' server-side curl (shop_secret and a contact, no did) is the documented 401:
    the sandbox stands in for the browser SDK, which always sends a did."""
    body = urlencode(
        {"shop_id": SHOP, "shop_secret": "secret", "email": EMAIL, "segment_id": 100500}
    ).encode()
    message = assert_error(call(sandbox, "POST", "/segments/add", body, FORM), 401)
    assert "did" in message


def test_error_bodies_carry_both_message_keys(sandbox: SandboxServer) -> None:
    """Every error body has the REST page's "message" and the unified docs' payload.message."""
    replies = [
        add(sandbox, shop_id="nope"),
        add(sandbox, segment_id=314),
        get_segments(sandbox, did=""),
        call(sandbox, "GET", "/segments/add"),
        call(sandbox, "GET", "/no-such-file"),
    ]
    for reply in replies:
        body = reply.json()
        assert body["status"] == "error"
        assert body["message"] and body["payload"] == {"message": body["message"]}


# --- durability --------------------------------------------------------------------------------


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    """Every add answered before the process was killed with SIGKILL is there after a restart."""

    def start() -> tuple[subprocess.Popen[str], http.client.HTTPConnection]:
        command = [sys.executable, "-m", "sandbox", "--port", "0", "--data", str(tmp_path)]
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
        url = urlsplit(proc.stdout.readline().split()[1])
        return proc, http.client.HTTPConnection(url.hostname, url.port, timeout=10)

    proc, conn = start()
    for n in range(50):
        body = json.dumps({"shop_id": SHOP, "did": f"d{n}", "sid": "s", "segment_id": 313})
        conn.request("POST", "/segments/add", body, {"Content-Type": "application/json"})
        assert conn.getresponse().read() == b'{"status":"success"}'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc, conn = start()
    try:
        for n in range(50):
            conn.request("GET", f"/segments/get?shop_id={SHOP}&did=d{n}&sid=s")
            assert json.loads(conn.getresponse().read()) == [{"id": 313, "type": "static"}]
    finally:
        proc.terminate()
        proc.wait()


def test_a_database_of_the_first_layout_is_refused_naming_reset(tmp_path: Path) -> None:
    """A data folder of the first layout (memberships per device) is not read: starting on it
    fails with a message that says to start with --reset."""
    with sqlite3.connect(tmp_path / DB_FILENAME) as db:
        db.execute("CREATE TABLE memberships (shop_id, did, segment_id)")
    db.close()
    with pytest.raises(DataError, match="--reset"):
        Store(tmp_path)
