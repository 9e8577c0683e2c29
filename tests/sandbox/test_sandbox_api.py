"""The sandbox's segments API as PersonaClick documents it: calls, profiles and device switching,
JSON and form bodies, and each documented error."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from sandbox.server import SandboxServer
from sandbox_helpers import (
    ENDPOINT_CALLS,
    MISSING,
    SHOP,
    Reply,
    add,
    assert_error,
    call,
    connect,
    get_segments,
    ids,
    remove,
    running,
    segment_body,
)

EMAIL = "john.doe@examplestore.com"
PHONE = "+15551234567"
FORM = "application/x-www-form-urlencoded"


def post_form(server: SandboxServer, path: str, fields: dict[str, object] | bytes) -> Reply:
    """POST a form body (a dict is encoded) to path."""
    body = fields if isinstance(fields, bytes) else urlencode(fields).encode()
    return call(server, "POST", path, body, {"Content-Type": FORM})


VALID_BODY = json.dumps(segment_body()).encode()


@pytest.fixture(name="two_shops")
def fixture_two_shops(tmp_path: Path, root: Path):
    """A sandbox whose seed has two shops, string segment id "vip" and 313 in each."""
    segments = [
        {"id": 313, "name": "VIP", "type": "static"},
        {"id": "vip", "name": "VIP by name", "type": "static"},
    ]
    shops = [{"id": name, "name": name, "segments": segments} for name in (SHOP, "other-shop")]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"shops": shops}))
    with running(root=root, data_dir=tmp_path / "d", seed_path=seed) as server:
        yield server


# --- calls ---------------------------------------------------------------------------------------


def test_add_get_remove_round_trip(sandbox: SandboxServer) -> None:
    """Add puts the device in segments (twice is once), get lists them by id, uncached, remove
    takes one out (twice is no error); another device sees none of them."""
    for segment_id in (100500, 313, 313):
        assert add(sandbox, segment_id=segment_id).json() == {"status": "success"}
    reply = get_segments(sandbox)
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.json() == [{"id": 313, "type": "static"}, {"id": 100500, "type": "static"}]
    for _ in range(2):
        assert remove(sandbox, segment_id=313).json() == {"status": "success"}
    assert ids(get_segments(sandbox)) == [100500]
    assert ids(get_segments(sandbox, did="device-2")) == []


def test_catalogue_lists_the_seeded_segments(sandbox: SandboxServer) -> None:
    """/_sandbox/catalogue lists a known shop's segments in seed order, with names and types."""
    assert call(sandbox, "GET", f"/_sandbox/catalogue?shop_id={SHOP}").json() == [
        {"id": 100500, "name": "Newsletter", "type": "static"},
        {"id": 313, "name": "VIP customers", "type": "static"},
        {"id": 314, "name": "Frequent buyers", "type": "dynamic"},
        {"id": 777, "name": "Champions", "type": "rfm"},
    ]
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue"), 401)
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue?shop_id="), 422)
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue?shop_id=nope"), 404)


def test_segment_ids_are_numbers_or_strings(two_shops: SandboxServer) -> None:
    """A segment_id "313" is the catalogue's 313; a seed's string ids are kept as strings."""
    assert add(two_shops, segment_id="313").status == 200
    assert add(two_shops, segment_id="vip").status == 200
    assert ids(get_segments(two_shops)) == [313, "vip"]


def test_concurrent_adds_all_land(sandbox: SandboxServer) -> None:
    """200 simultaneous adds from distinct devices are all answered and all stored."""
    dids = [f"device-{n}" for n in range(200)]
    with ThreadPoolExecutor(max_workers=200) as pool:
        assert set(pool.map(lambda did: add(sandbox, did=did).status, dids)) == {200}
    assert all(sandbox.store.segment_ids(SHOP, did) == [313] for did in dids)


def test_quotes_in_parameters_are_stored_literally(sandbox: SandboxServer) -> None:
    """Quote-laden ids are data, not SQL."""
    did = "x'); DROP TABLE memberships;--"
    assert add(sandbox, did=did, sid="' OR '1'='1").status == 200
    assert ids(get_segments(sandbox, did=did)) == [313]
    assert ids(get_segments(sandbox, did="' OR '1'='1")) == []


# --- profiles and device switching ---------------------------------------------------------------


def test_contacts_given_in_separate_calls_stay_on_the_profile(sandbox: SandboxServer) -> None:
    """The first email, then a phone, join the device's own profile (null or absent changes
    nothing): another device giving either one shares its segments."""
    assert add(sandbox, segment_id=100500, email=None, phone=None).status == 200
    assert remove(sandbox, email=EMAIL).status == 200
    assert remove(sandbox, phone=PHONE, email=None).status == 200
    for did, contact in (("a", {"email": EMAIL}), ("b", {"phone": PHONE})):
        assert remove(sandbox, did=did, **contact).status == 200
        assert ids(get_segments(sandbox, did=did)) == [100500]


def test_devices_with_one_contact_share_segments(sandbox: SandboxServer) -> None:
    """A device that identifies with an email or phone joins that contact's profile; the first
    contact an anonymous device gives keeps what it did before."""
    add(sandbox, did="laptop", segment_id=313)
    add(sandbox, did="laptop", email=EMAIL, segment_id=100500)
    assert ids(get_segments(sandbox, did="phone")) == []
    add(sandbox, did="phone", email=EMAIL, phone=PHONE, segment_id=313)
    add(sandbox, did="tablet", phone=PHONE, segment_id=313)
    assert ids(get_segments(sandbox, did="tablet")) == [313, 100500]
    remove(sandbox, did="phone", segment_id=313)
    assert ids(get_segments(sandbox, did="laptop")) == [100500]


def test_a_new_email_switches_the_device_and_shops_keep_apart(two_shops: SandboxServer) -> None:
    """A device that identifies as another person sees that person's segments; the same email in
    another shop is another profile."""
    add(two_shops, did="shared", email=EMAIL, segment_id=313)
    add(two_shops, did="shared", email="ann@examplestore.com", segment_id="vip")
    assert ids(get_segments(two_shops, did="shared")) == ["vip"]
    add(two_shops, shop_id="other-shop", did="b", email=EMAIL, segment_id="vip")
    add(two_shops, did="other", email=EMAIL, segment_id=313)
    assert ids(get_segments(two_shops, did="other")) == [313]


# --- request shapes ------------------------------------------------------------------------------


def test_form_bodies_and_post_get(sandbox: SandboxServer) -> None:
    """Form bodies like the docs' curl -d add and remove, contacts included; POST /segments/get
    (the unified docs' method) answers like GET, from JSON or a form."""
    form = {**segment_body(did="d"), "segment_id": "313", "email": EMAIL}
    assert post_form(sandbox, "/segments/add", form).json() == {"status": "success"}
    assert remove(sandbox, did="e", email=EMAIL, segment_id=100500).status == 200
    assert ids(get_segments(sandbox, did="e")) == [313]
    query = {"shop_id": SHOP, "did": "d", "sid": "s"}
    assert ids(call(sandbox, "POST", "/segments/get", query)) == [313]
    assert ids(post_form(sandbox, "/segments/get", query)) == [313]
    post_form(sandbox, "/segments/remove", form)
    assert sandbox.store.segment_ids(SHOP, "d") == []


# --- documented errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"segment_id": 999}, 404),
        ({"segment_id": "vip"}, 404),
        ({"segment_id": 314}, 422),
        ({"segment_id": 777}, 422),
        ({"shop_id": ""}, 422),
        ({"did": 42}, 422),
        ({"sid": MISSING}, 422),
        ({"segment_id": True}, 422),
        ({"segment_id": 313.0}, 422),
        ({"did": "d" * 257}, 422),
        ({"did": "\ud800"}, 422),
        ({"email": ""}, 422),
        ({"email": "not-an-email"}, 422),
        ({"phone": "15551234567"}, 422),
        ({"phone": "+1234567890123456"}, 422),
    ],
)
def test_add_refuses_as_documented(sandbox: SandboxServer, changes: dict, status: int) -> None:
    """404 for an unknown segment, 422 for a computed segment or a malformed parameter: nothing
    is stored, and no contact is echoed."""
    sent = {"email": EMAIL, "phone": PHONE, **changes}
    reply = add(sandbox, **sent)
    assert_error(reply, status)
    for contact in (str(sent["email"]), str(sent["phone"])):
        assert len(contact) < 5 or contact[2:] not in reply.body.decode(), reply.body
    assert sandbox.store.segment_ids(SHOP, "device-1") == []


def test_every_endpoint_checks_its_identity(sandbox: SandboxServer) -> None:
    """Each endpoint answers 401 without shop_id or did, 404 for an unknown shop, 422 for an
    empty sid; and the docs' server-to-server form (shop_secret, no did) is the documented 401."""
    for endpoint in ENDPOINT_CALLS.values():
        assert_error(endpoint(sandbox, shop_id=MISSING), 401)
        assert_error(endpoint(sandbox, did=MISSING), 401)
        assert_error(endpoint(sandbox, shop_id="nope"), 404)
        assert_error(endpoint(sandbox, sid=""), 422)
    server_side = {"shop_id": SHOP, "shop_secret": "s", "email": EMAIL, "segment_id": 313}
    assert "did" in assert_error(post_form(sandbox, "/segments/add", server_side), 401)


def test_a_repeated_parameter_is_refused(sandbox: SandboxServer) -> None:
    """A query or form parameter given twice is ambiguous: 422."""
    assert_error(call(sandbox, "GET", f"/segments/get?shop_id={SHOP}&did=a&did=b&sid=s"), 422)
    form = b"shop_id=demo-shop&did=d&sid=s&segment_id=313&segment_id=100500"
    assert_error(post_form(sandbox, "/segments/add", form), 422)


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (VALID_BODY, "text/plain;charset=UTF-8", 200),
        (VALID_BODY, "application/json; charset=utf-8", 200),
        (VALID_BODY, FORM, 200),
        (b"{", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[" * 5000, "application/json", 400),
        (VALID_BODY, None, 415),
        (VALID_BODY, "multipart/form-data", 415),
        (json.dumps(segment_body(padding="x" * 65536)).encode(), "application/json", 413),
    ],
)
def test_a_body_is_a_json_object_under_any_type_a_page_can_send(
    sandbox: SandboxServer, raw: bytes, content_type: str | None, status: int
) -> None:
    """JSON is read as sendBeacon's text/plain, with a charset, or as curl -d's form; invalid JSON
    or no object is 400, another media type 415, over 64 KiB 413."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    reply = call(sandbox, "POST", "/segments/add", raw, headers)
    if status == 200:
        assert reply.status == 200, reply.body
    else:
        assert_error(reply, status)


def test_a_huge_content_length_is_refused_before_reading(sandbox: SandboxServer) -> None:
    """A declared 50 MB body is 413 at once, without waiting for it."""
    conn = connect(sandbox)
    try:
        conn.putrequest("POST", "/segments/add")
        conn.putheader("Content-Length", str(50 * 1024 * 1024))
        conn.endheaders()
        response = conn.getresponse()
        assert_error(Reply(response.status, response.headers, response.read()), 413)
    finally:
        conn.close()


def test_unknown_paths_and_methods(sandbox: SandboxServer) -> None:
    """A path that is no endpoint or file is a JSON 404; a known path's wrong method is 405 and
    says which methods it takes."""
    assert_error(call(sandbox, "GET", "/api/segments/get"), 404)
    for method, path, allow in [
        ("GET", "/segments/add", {"POST"}),
        ("PUT", "/segments/get", {"GET", "HEAD", "POST"}),
        ("POST", "/_sandbox/faults", {"GET", "HEAD", "PUT", "DELETE"}),
        ("POST", "/index.html", {"GET", "HEAD"}),
    ]:
        reply = call(sandbox, method, path, b"{}", {"Content-Type": "application/json"})
        message = assert_error(reply, 405)
        assert set(reply.headers["Allow"].split(", ")) == allow
        assert path == "/index.html" or all(name in message for name in allow)
