"""Tests of the sandbox API's request validation: each documented error, and what is accepted."""

from __future__ import annotations

import json

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
    segment_body,
)

VALID_BODY = json.dumps(segment_body()).encode()


def post_add(server: SandboxServer, raw: bytes, content_type: str | None) -> Reply:
    """POST raw bytes to /segments/add, declared as ``content_type`` (None: undeclared)."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    return call(server, "POST", "/segments/add", raw, headers)


@pytest.mark.parametrize("missing", ["shop_id", "did"])
@pytest.mark.parametrize("endpoint", ["add", "remove", "get"])
def test_missing_shop_id_or_did_is_401(sandbox: SandboxServer, endpoint: str, missing: str) -> None:
    """Leaving out shop_id or did is an authentication error, on every endpoint."""
    reply = ENDPOINT_CALLS[endpoint](sandbox, **{missing: MISSING})
    assert missing in assert_error(reply, 401)


def test_catalogue_errors(sandbox: SandboxServer) -> None:
    """The catalogue needs a known, non-empty shop_id."""
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue"), 401)
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue?shop_id="), 422)
    assert_error(call(sandbox, "GET", "/_sandbox/catalogue?shop_id=nope"), 404)


@pytest.mark.parametrize("endpoint", ["add", "remove", "get"])
def test_unknown_shop_is_404(sandbox: SandboxServer, endpoint: str) -> None:
    """A shop that is not in the seed is not found, for writes and reads."""
    reply = ENDPOINT_CALLS[endpoint](sandbox, shop_id="no-such-shop")
    assert "shop" in assert_error(reply, 404)


@pytest.mark.parametrize("segment_id", [999, "999", "vip", -1, 10**30])
def test_unknown_segment_is_404(sandbox: SandboxServer, segment_id: object) -> None:
    """A segment id outside the shop's catalogue is not found."""
    assert "segment" in assert_error(add(sandbox, segment_id=segment_id), 404)


@pytest.mark.parametrize(
    "path", ["/segments/list", "/segments/", "/_sandbox/nope", "/api/segments/get", "/api/x"]
)
def test_unknown_api_path_is_404(sandbox: SandboxServer, path: str) -> None:
    """Paths that are not endpoints (the old /api/ ones included) answer a JSON 404."""
    assert_error(call(sandbox, "GET", path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/segments/add", "POST"),
        ("PUT", "/segments/remove", "POST"),
        ("PUT", "/segments/get", "GET, HEAD, POST"),
        ("POST", "/_sandbox/faults", "GET, HEAD, PUT, DELETE"),
        ("POST", "/_sandbox/catalogue", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405(sandbox: SandboxServer, method: str, path: str, allow: str) -> None:
    """A known path with the wrong method answers 405 and says what is allowed."""
    reply = call(sandbox, method, path, b"{}", {"Content-Type": "application/json"})
    message = assert_error(reply, 405)
    assert set(reply.headers["Allow"].split(", ")) == set(allow.split(", "))
    assert all(name in message for name in allow.split(", "))


def test_static_files_refuse_writes(sandbox: SandboxServer) -> None:
    """A page file cannot be posted to."""
    assert_error(call(sandbox, "POST", "/index.html", b"{}"), 405)


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
    "changes",
    [{"did": ""}, {"shop_id": ""}, {"sid": MISSING}, {"sid": ""}, {"did": "d" * 257}],
)
def test_malformed_get_parameters_are_422(
    sandbox: SandboxServer, changes: dict[str, object]
) -> None:
    """segments/get refuses empty, missing-sid and over-long query parameters."""
    assert_error(get_segments(sandbox, **changes), 422)


def test_repeated_query_parameter_is_422(sandbox: SandboxServer) -> None:
    """A query parameter given twice is ambiguous and refused."""
    reply = call(sandbox, "GET", f"/segments/get?shop_id={SHOP}&did=a&did=b&sid=s")
    assert_error(reply, 422)


@pytest.mark.parametrize("segment_id", [314, 777])
@pytest.mark.parametrize("endpoint", ["add", "remove"])
def test_computed_segments_cannot_be_changed(
    sandbox: SandboxServer, endpoint: str, segment_id: int
) -> None:
    """Dynamic and RFM segments are computed by PersonaClick, so add/remove is 422."""
    assert "static" in assert_error(ENDPOINT_CALLS[endpoint](sandbox, segment_id=segment_id), 422)
    assert get_segments(sandbox).json() == []


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[1, 2]", b'"text"', b"null", b"\xff\xfe", b'{"a": NaN}', b"[" * 5000]
)
def test_body_that_is_not_a_json_object_is_400(sandbox: SandboxServer, raw: bytes) -> None:
    """Invalid JSON, non-UTF-8 bytes and JSON that is not an object are bad requests."""
    assert_error(post_add(sandbox, raw, "application/json"), 400)


def test_oversized_body_is_413(sandbox: SandboxServer) -> None:
    """A body over 64 KiB is refused, even when it is otherwise valid JSON."""
    body = json.dumps(segment_body(padding="x" * 65536)).encode()
    assert_error(post_add(sandbox, body, "application/json"), 413)


def test_content_length_is_checked_before_reading(sandbox: SandboxServer) -> None:
    """A huge Content-Length is 413 at once, without waiting for the body."""
    conn = connect(sandbox)
    try:
        conn.putrequest("POST", "/segments/add")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(50 * 1024 * 1024))
        conn.endheaders()
        response = conn.getresponse()
        assert_error(Reply(response.status, response.headers, response.read()), 413)
    finally:
        conn.close()


@pytest.mark.parametrize(
    "content_type", ["text/plain;charset=UTF-8", "application/json; charset=utf-8"]
)
def test_text_plain_and_charset_content_types_are_accepted(
    sandbox: SandboxServer, content_type: str
) -> None:
    """sendBeacon-style text/plain and application/json with a charset are both accepted."""
    assert post_add(sandbox, VALID_BODY, content_type).status == 200


@pytest.mark.parametrize("content_type", [None, "multipart/form-data", "text/html"])
def test_wrong_content_type_is_415(sandbox: SandboxServer, content_type: str | None) -> None:
    """Bodies declared as neither JSON, text/plain nor a form are refused with 415."""
    assert_error(post_add(sandbox, VALID_BODY, content_type), 415)


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
        conn.request("POST", "/segments/add", b"{}" * 100, {"Content-Type": "text/csv"})
        first = conn.getresponse()
        first.read()
        assert first.status == 415
        conn.request("GET", f"/_sandbox/catalogue?shop_id={SHOP}")
        second = conn.getresponse()
        assert second.status == 200
        assert len(json.loads(second.read())) == 4
    finally:
        conn.close()
