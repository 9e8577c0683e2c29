"""PersonaClick's segments API as Starlette routes, with the sandbox's catalogue and faults::

    app = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
    # app.state.store, .shops, .faults, .closing and .drop must be set before it serves.

Each endpoint validates its request as PersonaClick documents (a missing ``shop_id`` or ``did``
is 401, a malformed parameter 422, an unknown shop or segment 404), from the query string of a
GET, else a JSON or form-encoded body (the docs' ``curl -d``). Error bodies carry their text
where both of PersonaClick's docs put it:
``{"status": "error", "message": m, "payload": {"message": m}}``.

Public names: ``EXCEPTION_HANDLERS``, ``ROUTES``, ``ApiError``, ``error_response``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from functools import partial
from urllib.parse import parse_qsl

from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import MAX_LATENCY_MS, Fault, FaultError, FaultTable, is_int
from sandbox.store import Shop, normalise_segment_id

__all__ = ["EXCEPTION_HANDLERS", "ROUTES", "ApiError", "error_response"]

MAX_BODY_BYTES = 64 * 1024
MAX_PARAM_CHARS = 256
# How often a held request looks at the fault table again.
HOLD_POLL_S = 0.015

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{7,15}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store"}


class ApiError(HTTPException):
    """An error answered as PersonaClick's error body: ``ApiError(status, message, headers)``."""


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """PersonaClick's error body, with the message under both keys its docs use."""
    body = {"status": "error", "message": message, "payload": {"message": message}}
    return JSONResponse(body, status, headers=_NO_STORE | (headers or {}))


async def _error(request: Request, exc: Exception) -> Response:
    """Answer ApiError, and Starlette's own 404 and 405, as PersonaClick's error body."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if isinstance(exc, ApiError):
        message = exc.detail
    elif exc.status_code == 405:
        message = f"This path only accepts {headers.get('Allow', 'other')} requests."
    else:
        message = "Nothing is served at this path."
    return error_response(exc.status_code, message, headers)


EXCEPTION_HANDLERS = {HTTPException: _error}


async def _body(request: Request) -> bytes:
    """Read the body, refusing one over MAX_BODY_BYTES (declared or sent) with 413."""
    too_big = ApiError(413, f"The request body must be at most {MAX_BODY_BYTES} bytes.")
    declared = request.headers.get("Content-Length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_big
    return body


async def _params(request: Request) -> dict[str, object]:
    """The query string of a GET; else a JSON object body, or a form-encoded one."""
    if request.method == "GET":
        return _unique_pairs(request.url.query)
    raw = await _body(request)
    media_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    # curl -d sends JSON as a form too; sendBeacon and no-cors fetches can only send text/plain.
    if media_type == _FORM and not raw.lstrip().startswith(b"{"):
        try:
            return _unique_pairs(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(400, "The request body is not valid UTF-8.") from None
    if media_type not in ("application/json", "text/plain", _FORM):
        raise ApiError(415, "The request body must be JSON or form-encoded.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid UTF-8 JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


def _unique_pairs(text: str) -> dict[str, object]:
    """Parse a query string or form; a repeated parameter is ambiguous and refused with 422."""
    params: dict[str, object] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in params:
            raise ApiError(422, f"The {key} parameter must be given only once.")
        params[key] = value
    return params


def _identity(params: dict[str, object]) -> tuple[str, str]:
    """Return (shop_id, did); a missing key is 401 like PersonaClick, a bad value 422."""
    for key in ("shop_id", "did"):
        if key not in params:
            raise ApiError(401, f"The {key} parameter is required.")
    _text(params, "sid")
    return _text(params, "shop_id"), _text(params, "did")


def _text(params: dict[str, object], key: str) -> str:
    """Return a required parameter: Unicode text of 1 to MAX_PARAM_CHARS characters."""
    if key not in params:
        raise ApiError(422, f"The {key} parameter is required.")
    value = params[key]
    # A lone surrogate (JSON "\ud800") is no Unicode text: SQLite could not store it.
    text = isinstance(value, str) and not _SURROGATE.search(value)
    if not text or not 0 < len(value) <= MAX_PARAM_CHARS:
        message = f"The {key} parameter must be text of 1 to {MAX_PARAM_CHARS} characters."
        raise ApiError(422, message)
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
    shop = request.app.state.shops.get(shop_id)
    if shop is None:
        raise ApiError(404, "The shop does not exist.")
    return shop


async def _apply_fault(request: Request, endpoint: str) -> bool:
    """Wait, sleep, fail or drop as the fault table says; True when the connection was dropped."""
    state = request.app.state
    fault = await _held(state, endpoint)
    if fault is None:
        return False
    if fault.latency_ms:
        await _sleep(state, fault.latency_ms / 1000)
    if fault.drop:
        state.drop(request.scope["client"])
        # Once uvicorn has seen the connection close, it sends nothing of the answer.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        return True
    if fault.status is not None:
        raise ApiError(fault.status, f"The sandbox injected an HTTP {fault.status} fault.")
    return False


async def _held(state: State, endpoint: str) -> Fault | None:
    """Wait while the endpoint's fault holds, at most MAX_LATENCY_MS; return its fault by then."""
    deadline = time.monotonic() + MAX_LATENCY_MS / 1000
    fault = state.faults.get(endpoint)
    # The table changes in other threads, with no event this loop could await: poll it.
    while fault is not None and fault.hold and time.monotonic() < deadline:
        await _sleep(state, HOLD_POLL_S)
        fault = state.faults.get(endpoint)
    return fault


async def _sleep(state: State, seconds: float) -> None:
    """Sleep; a closing server cuts it short with 503 rather than hold up its shutdown."""
    try:
        await asyncio.wait_for(state.closing.wait(), seconds)
    except TimeoutError:
        return
    raise ApiError(503, "The sandbox is shutting down.", {"Connection": "close"})


def _json(payload: object) -> Response:
    """A JSON answer that browsers must not cache."""
    return JSONResponse(payload, headers=_NO_STORE)


async def _change_membership(request: Request, action: str) -> Response:
    """POST /segments/add or /segments/remove: validate in a fixed order (401, 422, 404, 422),
    then write."""
    if await _apply_fault(request, action):
        return Response()
    params = await _params(request)
    shop_id, did = _identity(params)
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
    # SQLite answers in microseconds, under one lock: not worth a thread hop.
    request.app.state.store.set_membership(
        shop_id, did, segment.id, action == "add", email=email_addr, phone=phone
    )
    return _json({"status": "success"})


async def _segments_get(request: Request) -> Response:
    """GET or POST /segments/get: the segments of the device's profile ordered by id."""
    if await _apply_fault(request, "get"):
        return Response()
    params = await _params(request)
    shop_id, did = _identity(params)
    catalogue = _shop(request, shop_id).segments
    ids = request.app.state.store.segment_ids(shop_id, did)
    # Memberships of segments since dropped from the seed are not reported.
    return _json([{"id": i, "type": catalogue[i].type} for i in ids if i in catalogue])


async def _catalogue(request: Request) -> Response:
    """GET /_sandbox/catalogue?shop_id=...: the shop's segments in seed order, with names."""
    params = _unique_pairs(request.url.query)
    if "shop_id" not in params:
        raise ApiError(401, "The shop_id parameter is required.")
    shop = _shop(request, _text(params, "shop_id"))
    return _json([{"id": s.id, "name": s.name, "type": s.type} for s in shop.segments.values()])


async def _faults(request: Request) -> Response:
    """GET shows the fault table, PUT sets the endpoints it names, DELETE clears it."""
    faults: FaultTable = request.app.state.faults
    if request.method == "PUT":
        try:
            faults.update(await _params(request))
        except FaultError as exc:
            raise ApiError(422, str(exc)) from None
    elif request.method == "DELETE":
        faults.clear()
    return _json(faults.snapshot())


ROUTES = [
    Route("/segments/add", partial(_change_membership, action="add"), methods=["POST"]),
    Route("/segments/remove", partial(_change_membership, action="remove"), methods=["POST"]),
    Route("/segments/get", _segments_get, methods=["GET", "POST"]),
    Route("/_sandbox/catalogue", _catalogue, methods=["GET"]),
    Route("/_sandbox/faults", _faults, methods=["GET", "PUT", "DELETE"]),
]
