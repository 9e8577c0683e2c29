"""The sandbox's JSON endpoints: PersonaClick's segments API, the catalogue and the fault table.

Each endpoint validates its request the way PersonaClick does (a missing ``shop_id`` or ``did``
is 401, a malformed parameter 422, an unknown shop or segment 404) and answers
``(status, payload)``; failures are ``ApiError``, which the request handler answers as
``{"status": "error", "message": ...}``::

    route = find_route("/api/segments/get")  # None for a static file path
    status, payload = route.action("GET")(request)

Public names: ``MAX_BODY_BYTES``, ``MAX_PARAM_CHARS``, ``ApiError``, ``Request``, ``Route``,
``find_route``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qsl

from sandbox.faults import FaultError, FaultTable, is_int
from sandbox.store import Shop, Store, normalise_segment_id

__all__ = ["MAX_BODY_BYTES", "MAX_PARAM_CHARS", "ApiError", "Request", "Route", "find_route"]

MAX_BODY_BYTES = 64 * 1024
MAX_PARAM_CHARS = 256

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{7,15}")


class ApiError(Exception):
    """An error answered as ``{"status": "error", "message": ...}`` with the given HTTP status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Request:
    """One request as an endpoint sees it, with the sandbox state it may use.

    ``read(n)`` returns exactly ``n`` body bytes or raises ApiError.
    """

    query: str
    headers: Message
    read: Callable[[int], bytes]
    store: Store
    shops: dict[str, Shop]
    faults: FaultTable


Action = Callable[[Request], tuple[int, object]]


@dataclass(frozen=True)
class Route:
    """Actions of one API path by HTTP method, and the fault-table endpoint it obeys."""

    methods: dict[str, Action]
    fault: str | None = None

    def action(self, method: str) -> Action:
        """Return the action for ``method``, or fail with 405 naming the allowed methods."""
        action = self.methods.get(method)
        if action is None:
            allow = ", ".join(self.methods)
            raise ApiError(405, f"This endpoint only accepts {allow} requests.", {"Allow": allow})
        return action


def find_route(path: str) -> Route | None:
    """Return the route of an API path, None for any other path; 404 for unknown API paths."""
    route = _ROUTES.get(path)
    if route is None and (
        path.startswith(("/api/", "/_sandbox/")) or path in ("/api", "/_sandbox")
    ):
        raise ApiError(404, "This API endpoint does not exist.")
    return route


# --- request body and parameters ---------------------------------------------------------------


def _json_object(request: Request) -> dict[str, object]:
    """Read and parse the JSON object body, enforcing length and content type."""
    length_header = request.headers.get("Content-Length")
    if length_header is None:
        raise ApiError(411, "A Content-Length header is required.")
    if not length_header.isascii() or not length_header.isdigit():
        raise ApiError(400, "The Content-Length header is not a valid number.")
    length = int(length_header)
    if length > MAX_BODY_BYTES:
        raise ApiError(413, f"The request body must be at most {MAX_BODY_BYTES} bytes.")
    media_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    # text/plain too: sendBeacon and CORS "simple" requests cannot send application/json.
    if media_type not in ("application/json", "text/plain"):
        raise ApiError(415, "The request body must be sent as application/json.")
    raw = request.read(length)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid UTF-8 JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


def _reject_constant(name: str) -> None:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _query_params(query: str) -> dict[str, object]:
    """Parse a query string; a repeated parameter is ambiguous and refused with 422."""
    params: dict[str, object] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            raise ApiError(422, f"The {key} parameter must be given only once.")
        params[key] = value
    return params


def _identity(params: dict[str, object]) -> tuple[str, str]:
    """Return (shop_id, did); a missing key is 401 like PersonaClick, a bad value 422."""
    for key in ("shop_id", "did"):
        if key not in params:
            raise ApiError(401, f"The {key} parameter is required.")
    return _text(params, "shop_id"), _text(params, "did")


def _text(params: dict[str, object], key: str) -> str:
    """Return a required, non-empty string parameter of at most 256 characters."""
    if key not in params:
        raise ApiError(422, f"The {key} parameter is required.")
    value = params[key]
    if not isinstance(value, str):
        raise ApiError(422, f"The {key} parameter must be a string.")
    if not value:
        raise ApiError(422, f"The {key} parameter must not be empty.")
    if len(value) > MAX_PARAM_CHARS:
        raise ApiError(422, f"The {key} parameter must be at most {MAX_PARAM_CHARS} characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, f"The {key} parameter must be valid Unicode text.") from None
    return value


def _segment_id(params: dict[str, object]) -> int | str:
    """Return the normalised segment_id: a JSON integer, or a string (digit strings become int)."""
    value = params.get("segment_id")
    if is_int(value):
        return value
    if "segment_id" in params and not isinstance(value, str):
        raise ApiError(422, "The segment_id parameter must be an integer or a string.")
    return normalise_segment_id(_text(params, "segment_id"))


def _contact(
    params: dict[str, object], key: str, pattern: re.Pattern[str], rule: str
) -> str | None:
    """Return an optional contact field (absent or null means not given); never echo its value."""
    if params.get(key) is None:
        return None
    value = _text(params, key)
    if not pattern.fullmatch(value):
        raise ApiError(422, f"The {key} parameter {rule}.")
    return value


def _shop(request: Request, shop_id: str) -> Shop:
    """Return the seeded shop, or fail with 404."""
    shop = request.shops.get(shop_id)
    if shop is None:
        raise ApiError(404, "The shop does not exist.")
    return shop


# --- actions: each returns (status, JSON payload) ----------------------------------------------


def _segments_add(request: Request) -> tuple[int, object]:
    """POST /api/segments/add."""
    _change_membership(request, request.store.add_membership)
    return 200, {"status": "success"}


def _segments_remove(request: Request) -> tuple[int, object]:
    """POST /api/segments/remove."""
    _change_membership(request, request.store.remove_membership)
    return 200, {"status": "success"}


def _change_membership(request: Request, write: Callable[..., None]) -> None:
    """Validate an add/remove body in a fixed order (401, 422, 404, 422) and write it."""
    params = _json_object(request)
    shop_id, did = _identity(params)
    _text(params, "sid")
    segment_id = _segment_id(params)
    email_addr = _contact(params, "email", _EMAIL, "must be an email address like a@b.example")
    phone = _contact(params, "phone", _PHONE, "must be '+' followed by 7 to 15 digits")
    segment = _shop(request, shop_id).segments.get(segment_id)
    if segment is None:
        raise ApiError(404, "The segment does not exist in this shop's catalogue.")
    if segment.type != "static":
        raise ApiError(
            422, "Only static segments can be changed; dynamic and RFM ones are computed."
        )
    write(shop_id, did, segment.id, email=email_addr, phone=phone)


def _segments_get(request: Request) -> tuple[int, object]:
    """GET /api/segments/get: the device's segments ordered by id."""
    params = _query_params(request.query)
    shop_id, did = _identity(params)
    _text(params, "sid")
    catalogue = _shop(request, shop_id).segments
    ids = request.store.segment_ids(shop_id, did)
    # Memberships of segments since dropped from the seed are not reported.
    return 200, [{"id": i, "type": catalogue[i].type} for i in ids if i in catalogue]


def _catalogue(request: Request) -> tuple[int, object]:
    """GET /api/catalogue: the shop's segments in seed order, with names."""
    params = _query_params(request.query)
    if "shop_id" not in params:
        raise ApiError(401, "The shop_id parameter is required.")
    shop = _shop(request, _text(params, "shop_id"))
    return 200, [{"id": s.id, "name": s.name, "type": s.type} for s in shop.segments.values()]


def _faults_get(request: Request) -> tuple[int, object]:
    """GET /_sandbox/faults."""
    return 200, request.faults.snapshot()


def _faults_put(request: Request) -> tuple[int, object]:
    """PUT /_sandbox/faults: validate, then replace the whole table."""
    payload = _json_object(request)
    try:
        faults = FaultTable.parse(payload)
    except FaultError as exc:
        raise ApiError(422, str(exc)) from None
    request.faults.replace(faults)
    return 200, request.faults.snapshot()


def _faults_delete(request: Request) -> tuple[int, object]:
    """DELETE /_sandbox/faults: clear the table."""
    request.faults.clear()
    return 200, request.faults.snapshot()


_ROUTES = {
    "/api/segments/add": Route({"POST": _segments_add}, "add"),
    "/api/segments/remove": Route({"POST": _segments_remove}, "remove"),
    "/api/segments/get": Route({"GET": _segments_get}, "get"),
    "/api/catalogue": Route({"GET": _catalogue}),
    "/_sandbox/faults": Route({"GET": _faults_get, "PUT": _faults_put, "DELETE": _faults_delete}),
}
