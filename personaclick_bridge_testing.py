"""A stand-in PersonaClick for testing PyScript widgets under CPython, with pytest or without.

Installed as ``personaclick_bridge.testing``, it registers the ``personaclick`` pytest fixture: in
a test that takes it, the widget's own ``segment_add``, ``segment_remove`` and ``segment_get``
run against a stand-in for the page's PersonaClick SDK, which keeps the visitor's segments,
fails on demand and records every call::

    import asyncio

    import pytest

    import personaclick_bridge as pc


    def test_an_outage_is_reported(personaclick):
        personaclick.fault("no_answer", on="get")
        personaclick.speed = 100  # its 5 s take 50 ms
        with pytest.raises(pc.SDKTimeoutError):
            asyncio.run(pc.segment_get(timeout=5))
        assert personaclick.calls == [("get", {"timeout": 5.0})]

Without pytest, ``with StandIn() as personaclick:`` installs it for the block.

Only the bridge's edge to JavaScript is replaced: the stand-in answers the module's two paths
with the JSON outcomes the page's edge gives, and shares concurrent gets as the page's edge
does, so every call still goes through the module's validation, errors and redaction, and a
widget sees what a browser would show it.

Public names: ``StandIn``, ``Call``, ``Fault``, ``Kind``, ``personaclick`` (the pytest fixture).
"""

# The stand-in is the bridge's own: it takes the place of the module's private edge functions.
# pyright: reportPrivateUsage=false

import asyncio
import copy
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Self

import personaclick_bridge as _bridge

__all__ = ["Call", "Fault", "Kind", "StandIn"]

Kind = Literal["add", "remove", "get"]
Fault = Literal["no_sdk", "blocked", "no_answer", "throws", "error", "malformed", "oversized"]

_KINDS: tuple[Kind, ...] = ("add", "remove", "get")
_FAULTS: tuple[Fault, ...] = (
    "no_sdk",
    "blocked",
    "no_answer",
    "throws",
    "error",
    "malformed",
    "oversized",
)
_ANSWER_FAULTS = ("error", "malformed", "oversized")  # only a get has an answer to spoil
_PAGE_FAULTS = ("no_sdk", "blocked")  # the SDK is on the page or not: they last until cleared
_DEFAULT_MESSAGE = "the stand-in's fault"
_MALFORMED = {"status": "success"}  # what PersonaClick answers an add: no list of segments
# 14,000 segments take 420,000 bytes as JSON, over MAX_ANSWER_BYTES.
_OVERSIZED = [{"id": 100000 + index, "type": "static"} for index in range(14000)]

# The page edge's outcomes, as its JSON.stringify writes them.
_MISSING = '{"missing":true}'
_QUEUED = '{"queued":true}'
_TIMEOUT = '{"timeout":true}'
_UNLOADED = '{"unloaded":true}'
_MAX_ERROR_LENGTH = 1000  # UTF-16 units of an SDK's error text, as the page's edge cuts it


class Call(NamedTuple):
    """One call: ``kind`` is ``"add"``, ``"remove"`` or ``"get"``; ``params`` are what was sent
    (``segment_id`` and the given ``email``/``phone`` as the SDK gets them; a widget's get has
    ``timeout`` in seconds, and ``fresh`` when it is ``True``). Equal to a plain tuple."""

    kind: str
    params: dict[str, Any]


@dataclass
class _FaultSet:
    name: Fault
    payload: Any  # the answer in place of the segments, or the SDK's error text
    remaining: int | None  # calls it still spoils; None: until cleared


@dataclass(eq=False)
class _Change:
    """An add or remove the SDK sent, which PersonaClick applies when it is due."""

    due: float | None  # time.monotonic(); None while held
    kind: str
    segment_id: int | str


class _GetCall:
    """One SDK get that concurrent gets share: the page edge's ``call``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: set[_Wait] | None = set()  # None once answered
        self.queued = False  # in the loader stub's queue (the SDK script is blocked)


class _Wait:
    """One caller's wait for a shared get, with its own deadline."""

    def __init__(self, call: _GetCall, future: asyncio.Future[str]) -> None:
        self.call = call
        self.future = future
        self.timer: asyncio.TimerHandle | None = None


class StandIn:
    """PersonaClick's SDK on a page, standing in for it under CPython while installed.

    ``segments`` are the visitor's, as ``segment_get`` returns them (``{"id": ..., "type":
    ...}`` and any other key). ``segment_add`` and ``segment_remove`` change them as PersonaClick
    does: static segments only, and adding a member or removing a non-member changes nothing;
    an id the stand-in has not seen is a static segment. ``global_name`` is the SDK's global:
    calls on another one find no SDK. ``speed`` runs the stand-in's clock faster: timeouts and
    latencies take ``1/speed`` of their seconds (the errors still name the widget's seconds).
    """

    def __init__(
        self,
        segments: Iterable[Mapping[str, Any]] = (),
        *,
        global_name: str = "personaclick",
        speed: float = 1.0,
    ) -> None:
        if not global_name:
            raise ValueError("global_name must name the SDK's global, as personaclick does")
        if not speed > 0:
            raise ValueError(f"speed must be more than 0, got {speed!r}")
        self.global_name = global_name
        self.speed = float(speed)
        #: The widget's calls that reached the bridge's edge, in order (refused ones never do).
        self.calls: list[Call] = []
        #: The calls the SDK itself took, in order: concurrent gets that share one are one.
        self.sdk_calls: list[Call] = []
        self._segments: list[dict[str, Any]] = []
        self.segments = segments
        self._faults: dict[str, _FaultSet] = {}
        self._latency: dict[str, float] = {}
        self._holding: set[str] = set()
        self._held_answers: list[Callable[[], None]] = []
        self._changes: list[_Change] = []  # sent, not yet applied by PersonaClick
        self._stub_queue: list[tuple[str, Any]] = []  # while blocked: (kind, params or call)
        self._joinable: _GetCall | None = None  # the get that a get joins, as on the page
        self._handles: set[asyncio.TimerHandle] = set()
        self._saved: tuple[Any, Any] | None = None

    # Installing: the module's two paths to the SDK become the stand-in's.

    def install(self) -> None:
        """Stand in for PersonaClick until ``uninstall()``: ``with StandIn():`` does both."""
        if self._saved is not None:
            raise RuntimeError("this StandIn is installed already")
        self._saved = (_bridge._send_function, _bridge._get_function)
        _bridge._send_function, _bridge._get_function = self._send, self._get

    def uninstall(self) -> None:
        """Put back what the module had; calls still waiting never end."""
        if self._saved is None:
            return
        _bridge._send_function, _bridge._get_function = self._saved
        self._saved = None
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()

    def __enter__(self) -> Self:
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()

    # The visitor's state and the test's controls.

    @property
    def segments(self) -> list[dict[str, Any]]:
        """The visitor's segments now (a copy): the changes PersonaClick has applied so far."""
        self._apply_due_changes()
        return copy.deepcopy(self._segments)

    @segments.setter
    def segments(self, segments: Iterable[Mapping[str, Any]]) -> None:
        checked: list[dict[str, Any]] = []
        for segment in segments:
            segment_id = segment.get("id")
            if isinstance(segment_id, bool) or not isinstance(segment_id, (int, str)):
                raise TypeError(f"a segment's id must be an int or a str, got {segment_id!r}")
            if not isinstance(segment.get("type"), str):
                raise TypeError(f"a segment's type must be a str, got {segment.get('type')!r}")
            checked.append(_as_json(dict(segment)))
        self._segments = checked

    def fault(
        self,
        fault: Fault,
        *,
        on: Kind | Iterable[Kind] | None = None,
        times: int | None = None,
        message: str = _DEFAULT_MESSAGE,
        payload: Any = None,
    ) -> None:
        """Make the SDK's calls of the kinds ``on`` fail, replacing their earlier fault:

        - ``"no_sdk"``: no PersonaClick on the page (``SDKNotLoadedError``);
        - ``"blocked"``: its script did not load: adds and removes return and change nothing,
          a get raises ``SDKNotLoadedError`` at its timeout; once cleared, the SDK arrives and
          takes what waited in its loader's queue;
        - ``"no_answer"``: PersonaClick's request fails: a get raises ``SDKTimeoutError`` at its
          timeout; an add or remove returns and changes nothing;
        - ``"throws"``: the SDK throws ``message`` (``SDKError``);
        - ``"error"``, ``"malformed"``, ``"oversized"`` (gets only): PersonaClick answers an
          error with ``message``, the ``payload`` in place of the segments (by default an
          object), or more than ``MAX_ANSWER_BYTES`` of segments (``SDKError``).

        ``on`` defaults to every kind the fault applies to; ``times`` limits it to the next
        calls of each kind that reach the SDK (a get that shares another's is not one).
        """
        if fault not in _FAULTS:
            raise ValueError(f"fault must be one of {', '.join(_FAULTS)}, got {fault!r}")
        kinds = _kinds(("get",) if fault in _ANSWER_FAULTS and on is None else on)
        if fault in _ANSWER_FAULTS and kinds != ("get",):
            raise ValueError(f"{fault!r} spoils an answer, and only a get has one: on='get'")
        if times is not None and fault in _PAGE_FAULTS:
            raise ValueError(f"{fault!r} lasts until clear(): the SDK is on the page or not")
        if times is not None and times < 1:
            raise ValueError(f"times must be 1 or more, got {times!r}")
        if fault in ("throws", "no_sdk", "blocked", "no_answer"):
            payload = message
        elif fault == "error":
            payload = {"status": "error", "message": message}
        elif payload is None:
            payload = _OVERSIZED if fault == "oversized" else _MALFORMED
        for kind in kinds:
            self._faults[kind] = _FaultSet(fault, _as_json(payload), times)

    def latency(self, seconds: float, *, on: Kind | Iterable[Kind] | None = None) -> None:
        """PersonaClick takes ``seconds`` to answer a get (with the segments as they were when
        the SDK asked), or to apply an add or remove (which return at once, as the SDK's do);
        ``0`` ends it."""
        if not seconds >= 0:
            raise ValueError(f"seconds must be 0 or more, got {seconds!r}")
        for kind in _kinds(on):
            self._latency[kind] = float(seconds)

    def hold(self, *, on: Kind | Iterable[Kind] | None = None) -> None:
        """PersonaClick answers the gets, or applies the adds and removes, of the kinds ``on``
        only at ``release()``, however long that takes: a widget's working state stays."""
        self._holding.update(_kinds(on))

    def release(self) -> None:
        """Answer every held get and apply every held add and remove now; holding goes on."""
        self._release(set(_KINDS))

    def _release(self, kinds: set[str]) -> None:
        now = time.monotonic()
        for change in self._changes:
            if change.due is None and change.kind in kinds:
                change.due = now
        if "get" in kinds:
            answers, self._held_answers = self._held_answers, []
            for answer in answers:
                answer()

    def clear(self, *, on: Kind | Iterable[Kind] | None = None) -> None:
        """End the faults, latency and holding of the kinds ``on`` (default: all): what they
        held goes through, and a blocked SDK arrives and takes what its loader queued."""
        kinds: set[str] = set(_kinds(on))
        arrived = {kind for kind in kinds if self._fault_name(kind) == "blocked"}
        for kind in kinds:
            self._faults.pop(kind, None)
            self._latency.pop(kind, None)
            self._holding.discard(kind)
        self._release(kinds)
        if arrived:
            self._arrive(arrived)

    # The edge: what the page's _EDGE_JS does, with the stand-in as the SDK.

    def _send(self, global_name: str, action: str, params_json: str) -> str:
        if global_name != self.global_name:
            return _MISSING
        params = json.loads(params_json)
        self.calls.append(Call(action, params))
        if self._fault_name(action) == "no_sdk":
            return _MISSING
        self._joinable = None  # a later get never shares one that began before this
        if self._fault_name(action) == "blocked":
            self._stub_queue.append((action, params))
            return _QUEUED
        return self._sdk_send(action, params)

    def _sdk_send(self, action: str, params: dict[str, Any]) -> str:
        self.sdk_calls.append(Call(action, dict(params)))
        fault = self._use_fault(action)
        if fault is not None and fault.name == "throws":
            return json.dumps({"threw": _shortened(fault.payload)})
        if fault is None or fault.name != "no_answer":
            due = None if action in self._holding else self._now_plus(action)
            self._changes.append(_Change(due, action, params["segment_id"]))
            self._apply_due_changes()
        return _QUEUED

    def _get(self, global_name: str, timeout_ms: float, fresh: bool) -> asyncio.Future[str]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        if global_name != self.global_name:
            future.set_result(_MISSING)
            return future
        # Milliseconds back to the seconds the widget gave.
        params: dict[str, Any] = {"timeout": round(timeout_ms / 1000, 9)}
        if fresh:
            params["fresh"] = True
        self.calls.append(Call("get", params))
        if self._fault_name("get") == "no_sdk":
            future.set_result(_MISSING)
            return future
        joined = None if fresh else self._joinable
        if joined is not None and joined.loop is not loop:  # a call of a loop that has ended
            joined = None
        call = joined or _GetCall(loop)
        wait = _Wait(call, future)
        assert call.waiting is not None  # a joinable call has no answer yet
        call.waiting.add(wait)
        wait.timer = self._schedule(loop, timeout_ms / 1000, lambda: self._expire(wait))
        if joined is None:
            self._joinable = call
            if self._fault_name("get") == "blocked":
                call.queued = True
                self._stub_queue.append(("get", call))
            else:
                self._sdk_get(call)
        return future

    def _sdk_get(self, call: _GetCall) -> None:
        self.sdk_calls.append(Call("get", {}))
        fault = self._use_fault("get")
        if fault is not None and fault.name == "throws":
            self._finish(call, json.dumps({"threw": _shortened(fault.payload)}))
        elif fault is None or fault.name != "no_answer":
            # PersonaClick reads the segments as the request reaches it; the answer comes later.
            text = self._answered(None if fault is None else fault.payload)

            def answer() -> None:
                self._finish(call, text)

            if "get" in self._holding:
                self._held_answers.append(answer)
            else:
                self._schedule(call.loop, self._latency.get("get", 0.0), answer)

    def _answered(self, payload: Any) -> str:
        """The edge's outcome for an answer: the visitor's segments unless a fault gave one."""
        if payload is None:
            self._apply_due_changes()
            payload = self._segments
        text = json.dumps({"answered": payload}, ensure_ascii=False, separators=(",", ":"))
        size = len(text.encode("utf-8", "surrogatepass"))
        return json.dumps({"tooLarge": size}) if size > _bridge.MAX_ANSWER_BYTES else text

    def _finish(self, call: _GetCall, text: str) -> None:
        if call.waiting is None:
            return
        if self._joinable is call:
            self._joinable = None
        waiting, call.waiting = call.waiting, None
        for wait in waiting:
            self._cancel(wait.timer)
            _reply(wait.future, text)

    def _expire(self, wait: _Wait) -> None:
        call = wait.call
        if call.waiting is None:
            return
        call.waiting.discard(wait)
        if not call.waiting and self._joinable is call:
            self._joinable = None
        _reply(wait.future, _UNLOADED if call.queued else _TIMEOUT)

    def _arrive(self, kinds: set[str]) -> None:
        """The SDK's script loads: it takes the calls its loader stub queued, in order."""
        arrived = [item for item in self._stub_queue if item[0] in kinds]
        self._stub_queue = [item for item in self._stub_queue if item[0] not in kinds]
        for kind, queued in arrived:
            if kind == "get":
                queued.queued = False
                self._sdk_get(queued)
            else:
                self._sdk_send(kind, queued)

    # Helpers.

    def _fault_name(self, kind: str) -> Fault | None:
        fault = self._faults.get(kind)
        return None if fault is None else fault.name

    def _use_fault(self, kind: str) -> _FaultSet | None:
        """The fault of a call that reached the SDK, counted against its ``times``."""
        fault = self._faults.get(kind)
        if fault is not None and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining == 0:
                del self._faults[kind]
        return fault

    def _now_plus(self, kind: str) -> float:
        return time.monotonic() + self._latency.get(kind, 0.0) / self.speed

    def _apply_due_changes(self) -> None:
        now = time.monotonic()
        due = [c for c in self._changes if c.due is not None and c.due <= now]
        self._changes = [c for c in self._changes if c not in due]
        # In the order PersonaClick applies them: by when they are due, then as they were sent.
        for change in sorted(due, key=lambda c: c.due or 0.0):
            self._change(change.kind, change.segment_id)

    def _change(self, kind: str, segment_id: int | str) -> None:
        """Apply an add or remove as PersonaClick does: to static segments, idempotently."""
        key = _id_key(segment_id)
        held = [s for s in self._segments if _id_key(s["id"]) == key]
        if kind == "add" and not held:
            self._segments.append({"id": _as_answered_id(segment_id), "type": "static"})
        elif kind == "remove" and held and held[0]["type"] == "static":
            self._segments = [s for s in self._segments if _id_key(s["id"]) != key]

    def _schedule(
        self, loop: asyncio.AbstractEventLoop, seconds: float, action: Callable[[], None]
    ) -> asyncio.TimerHandle | None:
        if loop.is_closed():
            return None

        def run() -> None:
            self._handles.discard(handle)
            action()

        handle = loop.call_later(seconds / self.speed, run)
        self._handles.add(handle)
        return handle

    def _cancel(self, handle: asyncio.TimerHandle | None) -> None:
        if handle is not None:
            handle.cancel()
            self._handles.discard(handle)


def _kinds(on: Kind | Iterable[Kind] | None) -> tuple[Kind, ...]:
    kinds: tuple[str, ...] = _KINDS if on is None else (on,) if isinstance(on, str) else tuple(on)
    for kind in kinds:
        if kind not in _KINDS:
            raise ValueError(f"on must name 'add', 'remove' or 'get', got {kind!r}")
    return tuple(kind for kind in _KINDS if kind in kinds)


def _reply(future: asyncio.Future[str], text: str) -> None:
    # A caller cancelled meanwhile, or a loop that has ended, hears nothing, as in a browser.
    if not future.done() and not future.get_loop().is_closed():
        future.set_result(text)


def _shortened(text: str) -> str:
    """The SDK's error text as the page's edge passes it on: at most 1,000 UTF-16 units, cut
    before the word the cut falls in and any phone-like characters before that."""
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= _MAX_ERROR_LENGTH * 2:
        return text
    cut = units[: _MAX_ERROR_LENGTH * 2].decode("utf-16-le", "surrogatepass")
    cut = re.sub(r"[^\s\ufeff]*\Z", "", cut)
    return re.sub(r"[\s\ufeff0-9+()./-]*\Z", "", cut) + "…"


def _as_json(value: object) -> Any:
    """A copy of ``value`` as JSON.stringify gives it: whole floats as ints, NaN and infinities
    as null. A value JSON cannot hold is a TypeError."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError) as error:  # ValueError: a value that contains itself
        raise TypeError(f"a payload must be JSON data: {error}") from None
    return json.loads(text, parse_float=_javascript_number, parse_constant=lambda _: None)


def _javascript_number(text: str) -> float:
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 1e21 else number


def _id_key(segment_id: object) -> str:
    """Ids as PersonaClick matches them: 100500 and "100500" are one segment."""
    return str(_as_answered_id(segment_id))


def _as_answered_id(segment_id: Any) -> Any:
    if isinstance(segment_id, str) and segment_id.isdigit() and segment_id.isascii():
        return int(segment_id)
    return segment_id


try:
    import pytest
except ImportError:  # the stand-in works without pytest: only the fixture needs it
    pass
else:

    @pytest.fixture
    def personaclick() -> Iterator[StandIn]:
        """A ``StandIn()`` installed for the test: the visitor in no segments, no faults."""
        with StandIn() as stand_in:
            yield stand_in

    __all__ += ["personaclick"]
