"""Client helpers of the sandbox tests (their fixtures are in conftest.py): ``add(sandbox)``."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sandbox.server import SandboxServer, start_server

SHOP = "demo-shop"
SANDBOX_DOCS = Path(__file__).resolve().parents[2] / "docs" / "sandbox-and-demo.md"
# A value for ``changes`` that leaves the key out of the request.
MISSING = object()


@dataclass
class Reply:
    """Status, headers and raw body of one HTTP response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


def connect(server: SandboxServer) -> http.client.HTTPConnection:
    """A connection to the server (opened by its first request)."""
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)


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


def _changed(valid: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    """``valid`` updated with ``changes``, without the keys set to MISSING."""
    return {key: value for key, value in {**valid, **changes}.items() if value is not MISSING}


def segment_body(**changes: object) -> dict[str, object]:
    """A valid add/remove body with some keys changed (MISSING removes a key)."""
    valid = {"shop_id": SHOP, "did": "device-1", "sid": "session-1", "segment_id": 313}
    return _changed(valid, changes)


def add(server: SandboxServer, **changes: object) -> Reply:
    """POST /segments/add with a valid body modified by ``changes``."""
    return call(server, "POST", "/segments/add", segment_body(**changes))


def remove(server: SandboxServer, **changes: object) -> Reply:
    """POST /segments/remove with a valid body modified by ``changes``."""
    return call(server, "POST", "/segments/remove", segment_body(**changes))


def get_segments(server: SandboxServer, **changes: object) -> Reply:
    """GET /segments/get for device-1, with the query modified by ``changes``."""
    query = _changed({"shop_id": SHOP, "did": "device-1", "sid": "session-1"}, changes)
    return call(server, "GET", f"/segments/get?{urlencode(query)}")


# The three PersonaClick endpoints by the names the fault table uses.
ENDPOINT_CALLS = {"add": add, "remove": remove, "get": get_segments}


def ids(reply: Reply) -> list[object]:
    """The segment ids of a successful segments/get answer."""
    assert reply.status == 200, reply.body
    return [segment["id"] for segment in reply.json()]


def assert_error(reply: Reply, status: int) -> str:
    """Check an error reply's status and PersonaClick's error body; return its message.

    The message stands under both keys PersonaClick's docs show: "message" and "payload".
    """
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json", reply.headers
    payload = reply.json()
    assert payload["status"] == "error", payload
    assert payload["message"].endswith("."), payload
    assert payload["payload"] == {"message": payload["message"]}, payload
    return payload["message"]


def demo_section_blocks(language: str) -> list[str]:
    """The fenced blocks of one language in the docs' "Against the sandbox", as printed."""
    text = SANDBOX_DOCS.read_text()
    section = text[text.index("## Against the sandbox\n") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


@contextmanager
def running(**options: Any) -> Iterator[SandboxServer]:
    """A sandbox started with ``start_server(**options)``, closed on the way out."""
    server = start_server(**options)
    try:
        yield server
    finally:
        server.close()
