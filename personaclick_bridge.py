"""Async Python API for PersonaClick's customer segments, for PyScript pages.

PersonaClick's web SDK exposes one global JavaScript function, ``personaclick(...)``.
This module wraps its three segment calls as coroutines that take and return plain
Python values, on Pyodide and MicroPython alike::

    import personaclick_bridge as pc

    await pc.segment_add(100500, email="john.doe@examplestore.com")
    segments = await pc.segment_get()  # [{"id": 100500, "type": "static"}]
    await pc.segment_remove(100500)

Public names: ``__version__``, ``DEFAULT_TIMEOUT``, ``EARLY_ANSWER_WINDOW``,
``MAX_ANSWER_BYTES``, ``segment_add``, ``segment_remove``, ``segment_get``, ``PersonaClick``,
``Segment``, ``PersonaClickError``, ``SDKNotLoadedError``, ``SDKTimeoutError``, ``SDKError``,
``ArgumentTypeError``, ``ArgumentValueError``.

Exceptions::

    PersonaClickError          every failure of the SDK or of the page around it
    ├── SDKNotLoadedError      no callable ``window[global_name]`` (the loader snippet is missing),
    │                          or the SDK script did not load (blocked or unreachable)
    ├── SDKTimeoutError        the SDK took segment_get and gave no answer within ``.timeout`` s
    └── SDKError               the SDK threw, or answered with an error or a malformed payload

Caller mistakes raise ``ArgumentTypeError`` (a ``TypeError``) or ``ArgumentValueError`` (a
``ValueError``) before anything reaches the SDK; the error's ``argument`` attribute names the
argument (``"segment_id"``, ``"email"``, ...), and its message never contains an email address
or a phone number. Outside a PyScript page a call raises ``RuntimeError``: under CPython, the
wheel's ``personaclick_bridge.testing`` stands in for PersonaClick.

``segment_add`` and ``segment_remove`` return once the SDK (or its loader stub) has *queued*
the call: PersonaClick reports nothing back for them, so success means queued, not confirmed.
Concurrent ``segment_get`` calls on one SDK global share one SDK call; ``fresh=True`` opts out.
"""

import json
import sys

if sys.version_info >= (3, 8):  # noqa: UP036
    from typing import Any, TypedDict
else:  # MicroPython (3.4 by its version_info) has no typing module and ignores annotations
    TypedDict = dict

__all__ = [
    "ArgumentTypeError",
    "ArgumentValueError",
    "DEFAULT_TIMEOUT",
    "EARLY_ANSWER_WINDOW",
    "MAX_ANSWER_BYTES",
    "PersonaClick",
    "PersonaClickError",
    "SDKError",
    "SDKNotLoadedError",
    "SDKTimeoutError",
    "Segment",
    "segment_add",
    "segment_get",
    "segment_remove",
    "__version__",
]

# The package version: pyproject.toml reads it from here (hatchling's dynamic version).
__version__ = "0.1.0"

DEFAULT_TIMEOUT = 10.0  # seconds
# The longest segment_get answer, as UTF-8 JSON: 10,000 segments take about 300 KB, and
# MicroPython's default heap in PyScript cannot take in 1 MB at once (make bench-headroom).
MAX_ANSWER_BYTES = 384 * 1024
# Seconds that the answer to personaclick_bridge.js's early segment_get serves the page's gets.
EARLY_ANSWER_WINDOW = 60.0

# setTimeout treats longer delays (2**31 - 1 ms and up) as 0 and fires at once.
_MAX_TIMEOUT = (2**31 - 1) / 1000
# Larger ids would change value in JavaScript's double-precision numbers.
_MAX_SAFE_INTEGER = 2**53 - 1
_MAX_SEGMENT_ID_LENGTH = 64
_MAX_EMAIL_LENGTH = 254
_MAX_SHOWN_LENGTH = 100  # characters of a bad value that a message quotes
_PHONE_SEPARATORS = " -.()"


class PersonaClickError(Exception):
    """Base class of every failure of the PersonaClick SDK or of the page around it."""


class SDKNotLoadedError(PersonaClickError):
    """PersonaClick's SDK is not on the page, so nothing reached PersonaClick.

    Either there is no callable ``window[global_name]`` (the loader snippet is missing), or
    the SDK script did not load (blocked or unreachable): a ``segment_get`` timed out while
    its call still waited in the loader stub's queue. ``timeout`` is ``None`` in the first case.
    """

    def __init__(self, global_name: str, timeout: float | None = None) -> None:
        self.global_name = global_name
        self.timeout = timeout
        if timeout is None:
            message = (
                f"window.{global_name} is not a function: add PersonaClick's loader snippet "
                "(the queue stub and the SDK script tag) to the page before calling the bridge"
            )
        else:
            message = (
                f"PersonaClick's SDK script did not load (blocked, for example by an ad blocker, "
                f"or unreachable): segment_get waited {timeout:g} s in the queue of the loader "
                f"stub window.{global_name}, which only the SDK script empties"
            )
        super().__init__(message)


class SDKTimeoutError(PersonaClickError):
    """The SDK took the call but did not call back within ``timeout`` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"PersonaClick did not answer segment_get within {timeout:g} s "
            "(the SDK never calls back when its request fails)"
        )


class SDKError(PersonaClickError):
    """The SDK threw, or answered with an error or a malformed payload."""


class ArgumentTypeError(TypeError):
    """A caller's argument of the wrong type: ``argument`` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class ArgumentValueError(ValueError):
    """A caller's argument with a value the SDK cannot take: ``argument`` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class Segment(TypedDict):
    """One segment of the current visitor, with every other key the SDK sent."""

    id: int | str
    type: str


class PersonaClick:
    """The segment calls of the SDK published as ``window[global_name]``.

    ``global_name`` is ``"personaclick"`` on PersonaClick, ``"r46"`` on REES46 and older
    installs. ``timeout`` (seconds) bounds ``segment_get`` unless a call gives its own.
    """

    def __init__(
        self, global_name: str = "personaclick", *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        self.global_name = _checked_global_name(global_name)
        self.timeout = DEFAULT_TIMEOUT if timeout is None else _checked_timeout(timeout)

    def __repr__(self) -> str:
        return f"PersonaClick({self.global_name!r}, timeout={self.timeout!r})"

    async def segment_add(
        self, segment_id: int | str, *, email: str | None = None, phone: str | None = None
    ) -> None:
        """Queue adding the current visitor (optionally bound to email/phone) to a segment."""
        await self._send("add", _segment_params(segment_id, email, phone))

    async def segment_remove(
        self, segment_id: int | str, *, email: str | None = None, phone: str | None = None
    ) -> None:
        """Queue removing the current visitor (optionally bound to email/phone) from a segment."""
        await self._send("remove", _segment_params(segment_id, email, phone))

    async def segment_get(
        self, *, timeout: float | None = None, fresh: bool = False
    ) -> list[Segment]:
        """Return the current visitor's segments as a list of plain dicts.

        A call made while another ``segment_get`` on the same global waits for the SDK shares
        that SDK call and its answer (never across an add/remove made since it started);
        ``fresh=True`` makes a call of its own, which later calls may share.
        """
        timeout = self.timeout if timeout is None else _checked_timeout(timeout)
        if fresh is not True and fresh is not False:
            msg = f"fresh must be True or False, got {_shown(fresh)}"
            raise ArgumentTypeError("fresh", msg)
        text = await _get_path()(self.global_name, timeout * 1000, fresh)
        try:
            outcome = _parsed(text)
            if "answered" in outcome:
                return _segments_from_payload(outcome["answered"])
        except (MemoryError, RuntimeError) as error:  # RecursionError is a RuntimeError
            msg = f"PersonaClick's segment_get answer could not be read: {type(error).__name__}"
            raise SDKError(msg) from None
        raise self._get_failure(outcome, timeout)

    async def _send(self, action: str, params: dict[str, int | str]) -> None:
        text = _send_path()(self.global_name, action, json.dumps(params))
        if not isinstance(text, str):  # from a worker, the page answers by message
            text = await text
        outcome = _parsed(text)
        if "queued" not in outcome:
            raise self._send_failure(action, outcome, params)

    def _send_failure(
        self, action: str, outcome: dict[str, Any], params: dict[str, int | str]
    ) -> PersonaClickError:
        """The error for an add/remove that was not queued: no SDK, or the SDK threw."""
        if "missing" in outcome:
            return SDKNotLoadedError(self.global_name)
        reason = _redacted(outcome["threw"], params)
        return SDKError(f"{self.global_name}('segment', '{action}') threw: {reason}")

    def _get_failure(self, outcome: dict[str, Any], timeout: float) -> PersonaClickError:
        """The error for a get that brought no segments, by the outcome the edge reported."""
        if "missing" in outcome:
            return SDKNotLoadedError(self.global_name)
        if "timeout" in outcome:
            return SDKTimeoutError(timeout)
        if "unloaded" in outcome:
            return SDKNotLoadedError(self.global_name, timeout)
        if "tooLarge" in outcome:
            return SDKError(
                f"PersonaClick's segment_get answer is {outcome['tooLarge']} bytes of JSON, over "
                f"the bridge's limit of {MAX_ANSWER_BYTES} bytes (MAX_ANSWER_BYTES)"
            )
        if "threw" in outcome:
            reason = _redacted(outcome["threw"], {})
            return SDKError(f"{self.global_name}('segment', 'get') threw: {reason}")
        reason = _redacted(outcome["unreadable"], {})
        return SDKError(f"the segment_get payload is not JSON data: {reason}")


# Validation: every argument is checked, and put in the form the SDK takes, before the edge.


def _segment_params(segment_id: object, email: object, phone: object) -> dict[str, int | str]:
    """Validate the arguments of add/remove and build the SDK's params object."""
    params: dict[str, int | str] = {"segment_id": _checked_segment_id(segment_id)}
    if email is not None:
        params["email"] = _checked_email(email)
    if phone is not None:
        params["phone"] = _checked_phone(phone)
    return params


def _checked_segment_id(segment_id: object) -> int | str:
    if isinstance(segment_id, bool) or not isinstance(segment_id, (int, str)):
        msg = f"segment_id must be an int or a str, got {_shown(segment_id)}"
        raise ArgumentTypeError("segment_id", msg)
    if isinstance(segment_id, int):
        if not 0 < segment_id <= _MAX_SAFE_INTEGER:
            msg = f"segment_id must be between 1 and 2**53 - 1, got {_shown(segment_id)}"
            raise ArgumentValueError("segment_id", msg)
        return segment_id
    stripped = segment_id.strip()
    if not stripped or len(stripped) > _MAX_SEGMENT_ID_LENGTH or _has_control(stripped):
        msg = (
            f"segment_id must be 1 to {_MAX_SEGMENT_ID_LENGTH} characters without control "
            f"characters, got {_shown(segment_id)}"
        )
        raise ArgumentValueError("segment_id", msg)
    return stripped


def _checked_email(email: object) -> str:
    if not isinstance(email, str):
        msg = f"email must be a str or None, got a value of type {type(email).__name__}"
        raise ArgumentTypeError("email", msg)
    stripped = email.strip()
    local, _, domain = stripped.partition("@")
    valid = (
        len(stripped) <= _MAX_EMAIL_LENGTH
        and stripped.count("@") == 1
        and local
        and "." in domain
        and all(domain.split("."))
        and not any(character.isspace() for character in stripped)
    )
    if not valid:
        msg = (
            "email must be one '@' between a name and a domain with a dot, without spaces, "
            f"at most {_MAX_EMAIL_LENGTH} characters (the value is personal data: not shown)"
        )
        raise ArgumentValueError("email", msg)
    return stripped


def _checked_phone(phone: object) -> str:
    if not isinstance(phone, str):
        msg = f"phone must be a str or None, got a value of type {type(phone).__name__}"
        raise ArgumentTypeError("phone", msg)
    compact = "".join(c for c in phone.strip() if c not in _PHONE_SEPARATORS)
    digits = compact[1:] if compact.startswith("+") else compact
    if not (7 <= len(digits) <= 15 and _is_ascii_digits(digits)):
        msg = (
            "phone must be in full international format: an optional '+' and 7 to 15 digits, "
            "spaces, dashes, dots and parentheses allowed (the value is personal data: not shown)"
        )
        raise ArgumentValueError("phone", msg)
    return "+" + digits


def _checked_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        msg = f"timeout must be a number of seconds or None, got {_shown(timeout)}"
        raise ArgumentTypeError("timeout", msg)
    if not 0 < timeout <= _MAX_TIMEOUT:
        msg = f"timeout must be more than 0 and at most {_MAX_TIMEOUT:g} seconds, got {timeout!r}"
        raise ArgumentValueError("timeout", msg)
    return float(timeout)


def _checked_global_name(global_name: object) -> str:
    if not isinstance(global_name, str):
        msg = f"global_name must be a str, got {_shown(global_name)}"
        raise ArgumentTypeError("global_name", msg)
    if not global_name or _has_control(global_name) or global_name != global_name.strip():
        msg = (
            f"global_name must be the name of the SDK's global function, got {_shown(global_name)}"
        )
        raise ArgumentValueError("global_name", msg)
    return global_name


def _segments_from_payload(
    payload: dict[str, Any] | list[Any] | str | float | None,
) -> list[Segment]:
    """Check what the SDK passed to the segment_get callback (parsed for this caller alone,
    so it is changed in place), or raise SDKError."""
    if payload is None:
        return []
    if isinstance(payload, dict) and payload.get("status") == "error":
        raise SDKError(f"PersonaClick answered with an error: {_error_message(payload)}")
    if not isinstance(payload, list):
        raise SDKError(f"PersonaClick answered with {_describe(payload)}, not a list of segments")
    item: dict[str, Any] | list[Any] | str | float | None
    for item in payload:
        if not (
            type(item) is dict and type(item.get("id")) is int and type(item.get("type")) is str
        ):
            break
    else:
        return payload  # the usual answer: every id a number and every type a string
    for index, item in enumerate(payload):
        _check_segment(index, item)
    return payload


def _check_segment(index: int, item: dict[str, Any] | list[Any] | str | float | None) -> None:
    """Check one segment of a freshly parsed answer and turn a digit-string id into an int."""
    if not isinstance(item, dict):
        raise SDKError(f"segment {index} in PersonaClick's answer is {_describe(item)}")
    for key in ("id", "type"):
        if key not in item:
            raise SDKError(f"segment {index} in PersonaClick's answer has no {key!r}")
    segment_id = item["id"]
    if isinstance(segment_id, str) and _is_ascii_digits(segment_id):
        segment_id = int(segment_id)
    if isinstance(segment_id, bool) or not isinstance(segment_id, (int, str)) or segment_id == "":
        raise SDKError(f"segment {index} in PersonaClick's answer has the id {_shown(item['id'])}")
    if not isinstance(item["type"], str):
        raise SDKError(
            f"segment {index} in PersonaClick's answer has the type {_shown(item['type'])}"
        )
    item["id"] = segment_id


def _error_message(payload: dict[str, Any]) -> str:
    message = payload.get("message")
    if message is None and isinstance(payload.get("payload"), dict):
        message = payload["payload"].get("message")
    return "no message" if message is None else _redacted(str(message), {})


def _describe(value: object) -> str:
    if value is None:
        return "null"
    names: dict[type[object], str] = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
    }
    names.update({list: "an array", dict: "an object"})
    return names.get(type(value), type(value).__name__)


# The edge: the only code that touches JavaScript. Each path is built on first use, so that
# importing this module works anywhere, CPython included.

# The names _EDGE_JS takes its settings by, in this order: the module's two constants.
_EDGE_PARAMETERS = ("maxAnswerBytes", "earlyWindowSeconds")
# The JavaScript that runs on the page: it looks the SDK up, makes the call, keeps the timeouts in
# JS and answers with JSON text, so no Python callable or proxy is ever handed to the SDK. A get
# joins the SDK call in flight on the same global, unless an add/remove came after it started,
# every earlier caller has stopped waiting, or it asks to be fresh; each caller keeps its own
# deadline, and parsing the text gives each its own copy of the answer.
_EDGE_JS = r"""
const MAX_ERROR_LENGTH = 1000; // characters of an SDK's error text that reach Python
// How long the early call's answer serves gets: a cold Pyodide boot on a slow phone, and more.
const EARLY_WINDOW_MS = earlyWindowSeconds * 1000;
const outcome = (value) => JSON.stringify(value);
// An SDK may throw anything: a getter that throws, an object with no string form, megabytes.
const errorText = (error) => {
  try {
    return shortened(String(error && error.message !== undefined ? error.message : error));
  } catch {
    return "an error that has no text";
  }
};
// A contact cut in two would slip past Python's filter: the cut drops the word it falls in,
// then any digits, spaces and phone punctuation before it.
const shortened = (text) =>
  text.length <= MAX_ERROR_LENGTH
    ? text
    : `${text.slice(0, MAX_ERROR_LENGTH).replace(/\S*$/, "").replace(/[\s\d+()./-]*$/, "")}…`;
// UTF-8 takes at most 3 bytes for each UTF-16 unit: only a long answer needs counting.
const answerBytes = (text) =>
  text.length * 3 <= maxAnswerBytes ? text.length : new TextEncoder().encode(text).length;
const lookUp = (globalName) => {
  const sdk = globalThis[globalName];
  return typeof sdk === "function" ? sdk : null;
};
// One table for the page: Python in every interpreter and worker shares the calls in flight
// and the answer to personaclick_bridge.js's early call, and counts the adds/removes passed to
// each SDK global. Its name changes with the outcomes' shape, so that a page's copies of two
// versions keep apart instead of reading each other's answers.
const { joinable, changes, early } = (globalThis[Symbol.for("personaclick_bridge.calls.v5")] ??= {
  joinable: new Map(),
  changes: new Map(),
  early: new Map(), // globalName -> { text, answeredAt, changes } of the early call's answer
});
const changeCount = (globalName) => changes.get(globalName) ?? 0;
const send = (globalName, action, params) => {
  const sdk = lookUp(globalName);
  if (sdk === null) return outcome({ missing: true });
  joinable.delete(globalName);
  early.delete(globalName);
  changes.set(globalName, changeCount(globalName) + 1);
  try {
    sdk("segment", action, JSON.parse(params));
  } catch (error) {
    return outcome({ threw: errorText(error) });
  }
  return outcome({ queued: true });
};
const stillQueued = (globalName, callback) => {
  const queue = globalThis[globalName]?.q;
  return Array.isArray(queue) && queue.some((args) => args[2] === callback);
};
const finish = (call, text) => {
  if (call.waiting === null) return;
  const unchanged = call.changes === changeCount(call.globalName);
  if (call.early && unchanged && text.startsWith('{"answered":')) {
    early.set(call.globalName, { text, answeredAt: performance.now(), changes: call.changes });
  }
  call.text = text;
  call.shareable = joinable.get(call.globalName) === call;
  if (call.shareable) joinable.delete(call.globalName);
  const waiting = call.waiting;
  call.waiting = null;
  for (const wait of waiting) {
    wait.clock.delete(wait);
    wait.reply(text);
  }
};
const start = (call, sdk) => {
  call.callback = (payload) => {
    let text;
    try {
      text = outcome({ answered: payload === undefined ? null : payload });
      const bytes = answerBytes(text);
      if (bytes > maxAnswerBytes) text = outcome({ tooLarge: bytes });
    } catch (error) {
      text = outcome({ unreadable: errorText(error) });
    }
    finish(call, text);
  };
  joinable.set(call.globalName, call);
  try {
    sdk("segment", "get", call.callback);
  } catch (error) {
    finish(call, outcome({ threw: errorText(error) }));
  }
};
const expire = (wait) => {
  const { call } = wait;
  call.waiting.delete(wait);
  if (call.waiting.size === 0 && joinable.get(call.globalName) === call) {
    joinable.delete(call.globalName);
  }
  // Still in the loader stub's queue: the SDK script never ran.
  const unloaded = stillQueued(call.globalName, call.callback);
  wait.reply(outcome(unloaded ? { unloaded: true } : { timeout: true }));
};
// The waits of this interpreter and one timer for the earliest deadline among them: setting and
// clearing a timer per call would cost more than the rest of the call.
const clock = new Set();
let alarm = null;
const ring = () => {
  alarm = null;
  const now = performance.now();
  let next = Infinity;
  for (const wait of clock) {
    if (wait.deadline <= now) {
      clock.delete(wait);
      expire(wait);
    } else {
      next = Math.min(next, wait.deadline);
    }
  }
  if (next !== Infinity) wake(next, now);
};
const wake = (deadline, now) => {
  if (alarm !== null && alarm.deadline <= deadline) return;
  if (alarm !== null) clearTimeout(alarm.timer);
  alarm = { deadline, timer: setTimeout(ring, Math.ceil(deadline - now)) };
};
const get = (globalName, timeoutMs, fresh, reply) => {
  const sdk = lookUp(globalName);
  if (sdk === null) {
    reply(outcome({ missing: true }));
    return undefined;
  }
  const joined = fresh ? undefined : joinable.get(globalName);
  const now = performance.now();
  const answered = fresh || joined !== undefined ? undefined : early.get(globalName);
  if (answered !== undefined) {
    const usable =
      answered.changes === changeCount(globalName) && now - answered.answeredAt < EARLY_WINDOW_MS;
    if (usable) {
      reply(answered.text);
      return undefined;
    }
    early.delete(globalName);
  }
  const call = joined ?? { globalName, waiting: new Set(), changes: changeCount(globalName) };
  const wait = { call, reply, clock, deadline: now + timeoutMs };
  clock.add(wait);
  call.waiting.add(wait);
  wake(wait.deadline, now);
  if (joined === undefined) start(call, sdk);
  return call;
};
// personaclick_bridge.js's call at page load, before any interpreter boots: gets join it in
// flight, and take its answer for EARLY_WINDOW_MS after it arrives while no add/remove went out.
const prefetch = (globalName) => {
  const sdk = lookUp(globalName);
  if (sdk === null) return false;
  if (!joinable.has(globalName)) {
    start({ globalName, waiting: new Set(), changes: changeCount(globalName), early: true }, sdk);
  }
  return true;
};
// A worker's calls arrive as messages on a channel of their own, in the order it made them, and
// their answers leave the same way: no thread blocks while the SDK works. A message may take
// milliseconds to arrive, so a get names the worker's get that was still waiting when it was made.
const serve = (channelName) => {
  const channel = new BroadcastChannel(channelName);
  const latestGets = new Map(); // globalName -> { id, call } of this worker's latest get
  channel.onmessage = ({ data: [id, kind, globalName, ...rest] }) => {
    const reply = (text) => channel.postMessage([id, text]);
    if (kind === "hello") return reply("ready");
    if (kind === "send") return reply(send(globalName, ...rest));
    const [timeoutMs, fresh, waitingId] = rest;
    const latest = latestGets.get(globalName);
    // That get's call has answered since: share its answer as if still in flight, unless nobody
    // was waiting for it or the SDK has taken an add/remove since it began.
    if (
      latest !== undefined &&
      latest.id === waitingId &&
      latest.call.shareable &&
      latest.call.changes === changeCount(globalName)
    ) {
      latestGets.set(globalName, { id, call: latest.call });
      return reply(latest.call.text);
    }
    const call = get(globalName, timeoutMs, fresh, reply);
    if (call !== undefined) latestGets.set(globalName, { id, call });
  };
};
return { send, get, serve, prefetch };
"""


_page_edge_object: Any = None


def _page_edge() -> Any:
    """The page's edge (_EDGE_JS), built once per interpreter: from a worker, it is built on
    the page through ``pyscript.window`` and answers the worker's channel."""
    global _page_edge_object
    if _page_edge_object is None:
        from pyscript import window

        build = window.Function(*_EDGE_PARAMETERS, _EDGE_JS)
        _page_edge_object = build(MAX_ANSWER_BYTES, EARLY_ANSWER_WINDOW)
    return _page_edge_object


def _in_worker() -> bool:
    try:
        from pyscript import RUNNING_IN_WORKER
    except ImportError:  # CPython, say: a test without personaclick_bridge.testing's stand-in
        raise RuntimeError(_NOT_IN_PYSCRIPT) from None
    return bool(RUNNING_IN_WORKER)


_NOT_IN_PYSCRIPT = (
    "personaclick_bridge calls PersonaClick's SDK from a PyScript page (Pyodide or MicroPython "
    "in a browser), and there is no pyscript module here; to run widget code under CPython, "
    "install the stand-in PersonaClick of personaclick_bridge.testing (the personaclick pytest "
    "fixture, or `with personaclick_bridge.testing.StandIn():`)"
)


# The two paths, each found on first use; personaclick_bridge.testing puts its stand-in here.
_send_function: Any = None


def _send_path() -> Any:
    """The function that hands an add/remove to the SDK and answers with JSON text: at once on
    the page, as an awaitable from a worker."""
    global _send_function
    if _send_function is None:
        _send_function = _worker_channel().send if _in_worker() else _page_edge().send
    return _send_function


_get_function: Any = None


def _get_path() -> Any:
    """The function that asks the SDK for the segments and answers with an awaitable of JSON
    text: by message from a worker, by message task on MicroPython's page, by call number on
    Pyodide's."""
    global _get_function
    if _get_function is None:
        if _in_worker():
            _get_function = _worker_channel().get
        elif sys.implementation.name == "micropython":
            _get_function = _handed_over_get(_page_edge().get)
        else:
            _get_function = _numbered_get(_page_edge().get)
    return _get_function


# Runs in a worker: each call is a message to the page over the channel that serve() answers. A
# get names this worker's latest get on the same global that has no answer yet, unless an
# add/remove went out since: the page shares that get's call with it. Browsers register a new
# channel with its peers asynchronously, so a message posted soon after serve() may reach no one:
# calls wait until the page has answered a hello, repeated until it does.
_WORKER_JS = """
return (channelName) => {
  const channel = new BroadcastChannel(channelName);
  const replies = new Map();
  const waitingGets = new Map(); // globalName -> id of its latest get without an answer
  let lastId = 0;
  let unsent = []; // null once the page has answered the hello
  const hello = () => channel.postMessage([0, "hello"]);
  const helloTimer = setInterval(hello, 10);
  hello();
  channel.onmessage = ({ data: [id, text] }) => {
    if (id === 0) {
      if (unsent === null) return;
      clearInterval(helloTimer);
      for (const message of unsent) channel.postMessage(message);
      unsent = null;
      return;
    }
    const { resolve, globalName } = replies.get(id);
    replies.delete(id);
    if (waitingGets.get(globalName) === id) waitingGets.delete(globalName);
    resolve(text);
  };
  const ask = (kind, globalName, ...rest) =>
    new Promise((resolve) => {
      const message = [++lastId, kind, globalName, ...rest];
      replies.set(lastId, { resolve, globalName });
      if (unsent === null) channel.postMessage(message);
      else unsent.push(message);
    });
  return {
    send: (globalName, action, params) => {
      waitingGets.delete(globalName);
      return ask("send", globalName, action, params);
    },
    get: (globalName, timeoutMs, fresh) => {
      const waitingId = fresh ? undefined : waitingGets.get(globalName);
      waitingGets.set(globalName, lastId + 1);
      return ask("get", globalName, timeoutMs, fresh, waitingId);
    },
  };
};
"""
_worker_channel_object: Any = None


def _worker_channel() -> Any:
    """A worker's channel to the page's edge, opened once: both paths go through it in order."""
    global _worker_channel_object
    if _worker_channel_object is None:
        import js  # the worker's own global scope

        channel_name = f"personaclick_bridge.{js.crypto.randomUUID()}"
        _page_edge().serve(channel_name)
        _worker_channel_object = js.Function(_WORKER_JS)()(channel_name)
    return _worker_channel_object


# Runs on MicroPython's main thread: answers reach Python from a message task. Its asyncio wakes
# a task by setTimeout(0), which browsers stretch to 4 ms once timers nest, and a message task
# starts the nesting afresh.
_HAND_OVER_JS = """
return (get) => {
  const answers = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    for (const [resolve, text] of answers.splice(0)) resolve(text);
  };
  const deliver = (resolve) => (text) => {
    if (answers.push([resolve, text]) === 1) channel.port2.postMessage(null);
  };
  return (globalName, timeoutMs, fresh) =>
    new Promise((resolve) => get(globalName, timeoutMs, fresh, deliver(resolve)));
};
"""


def _handed_over_get(edge_get: Any) -> Any:
    """MicroPython on the page: ``get`` returns a promise settled from a message task."""
    from pyscript import window

    return window.Function(_HAND_OVER_JS)()(edge_get)


# Pyodide on the page: one long-lived Python callable hears every answer by call number, so a
# call creates no proxy and no JS promise.
_NUMBERED_JS = """
return (get, settle) => (globalName, timeoutMs, fresh, number) =>
  get(globalName, timeoutMs, fresh, (text) => settle(number, text));
"""


def _numbered_get(edge_get: Any) -> Any:
    """Pyodide on the page: ``get`` returns a future that the edge settles by call number."""
    import asyncio
    import itertools

    from pyodide.ffi import create_proxy
    from pyscript import window

    waiting: dict[int, asyncio.Future[str]] = {}
    numbers = itertools.count()

    def settle(number: int, text: str) -> None:
        future = waiting.pop(number)
        if not future.done():  # its caller was cancelled meanwhile
            future.set_result(text)

    numbered = window.Function(_NUMBERED_JS)()(edge_get, create_proxy(settle))

    def get(global_name: str, timeout_ms: float, fresh: bool) -> asyncio.Future[str]:
        number = next(numbers)
        # A plain Future: Pyodide's loop.create_future() adds a done-callback of its own, which
        # costs every call a second turn of the browser's event loop.
        future = waiting[number] = asyncio.Future(loop=asyncio.get_running_loop())
        numbered(global_name, timeout_ms, fresh, number)
        return future

    return get


try:
    # CPython's C scanner alone: the text is JSON.stringify's, so json.loads's checks for text
    # around the value (a third of a call's parsing on Pyodide) find nothing.
    _scan_json: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

    def _parsed(text: str) -> Any:
        return _scan_json(text, 0)[0]

except AttributeError:  # MicroPython's decoder is json.loads alone

    def _parsed(text: str) -> Any:
        return json.loads(text)


# Messages: contacts are hidden from every text that reaches an exception.

_REDACTED = "[redacted]"
_UNRESERVED = "-._~"  # what percent-encoding leaves as it is (RFC 3986)
_EMAIL_LOCAL = "!#$%&'*+-/=?^_`{|}~."
_EMAIL_DOMAIN = "-."
_PHONE_GAPS = " -.()/"  # written between a phone number's digit groups
_ENCODED_PHONE_GAPS = ("%20", "%28", "%29", "%2d", "%2e", "%2f")


def _redacted(text: str, params: dict[str, int | str]) -> str:
    """Hide every contact in text for a message: the email and phone sent in this call in any
    case, percent-encoded or (the phone) in any grouping of its digits, and anything shaped
    like an email address or an international phone number."""
    email = params.get("email")
    if isinstance(email, str):
        # A valid email has no spaces, so its percent-encoding has one spelling.
        for spelling in (email, _percent_encoded(email)):
            text = _without(text, spelling)
    phone = params.get("phone")
    text = _without_emails(text)
    return _without_phones(text, phone[1:] if isinstance(phone, str) else "")


def _shown(value: object) -> str:
    """``repr(value)`` for a message, with any contact in it hidden, and shortened."""
    shown = _redacted(repr(value), {})
    return shown if len(shown) <= _MAX_SHOWN_LENGTH else shown[:_MAX_SHOWN_LENGTH] + "…"


def _ascii_lower(text: str) -> str:
    # Keeps the length, so that an index in the lowered text is one in the text.
    return "".join(c.lower() if c < "\x80" else c for c in text)


def _without(text: str, value: str) -> str:
    """``text`` with every occurrence of ``value``, in any ASCII case, replaced."""
    needle = _ascii_lower(value)
    start = _ascii_lower(text).find(needle)
    while start >= 0:
        text = text[:start] + _REDACTED + text[start + len(value) :]
        start = _ascii_lower(text).find(needle, start + len(_REDACTED))
    return text


def _percent_encoded(text: str) -> str:
    parts: list[str] = []
    for c in text:
        if _is_ascii_alphanumeric(c) or c in _UNRESERVED:
            parts.append(c)
        else:
            parts.extend("%{:02X}".format(byte) for byte in c.encode())  # noqa: UP032
    return "".join(parts)


def _without_emails(text: str) -> str:
    """``text`` with every ``name@domain.tld`` (the ``@`` maybe as ``%40``) replaced."""
    at, after = _next_at(text, 0)
    while at >= 0:
        start, end = at, after
        while start > 0 and _is_email_char(text[start - 1], _EMAIL_LOCAL):
            start -= 1
        while end < len(text) and _is_email_char(text[end], _EMAIL_DOMAIN):
            end += 1
        domain = text[after:end].rstrip(".")
        end = after + len(domain)
        if start < at and "." in domain and all(domain.split(".")):
            text = text[:start] + _REDACTED + text[end:]
            end = start + len(_REDACTED)
        at, after = _next_at(text, end)
    return text


def _next_at(text: str, start: int) -> tuple[int, int]:
    """Where the next ``@`` or ``%40`` from ``start`` begins and ends, or ``(-1, -1)``."""
    plain, encoded = text.find("@", start), text.find("%40", start)
    if encoded >= 0 and (plain < 0 or encoded < plain):
        return encoded, encoded + 3
    return (plain, plain + 1) if plain >= 0 else (-1, -1)


def _without_phones(text: str, digits: str) -> str:
    """``text`` with every run of digits replaced that spells ``digits`` whatever its grouping,
    or that follows a ``+`` and has 7 digits or more."""
    for start, end, spelled in reversed(_digit_runs(text)):
        before = _ascii_lower(text[max(0, start - 3) : start])
        plus = 1 if before.endswith("+") else 3 if before.endswith("%2b") else 0
        if (digits and digits in spelled) or (plus and len(spelled) >= 7):
            text = text[: start - plus] + _REDACTED + text[end:]
    return text


def _digit_runs(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, digits)`` of each run of digits and phone gaps that ends in a digit."""
    runs: list[tuple[int, int, str]] = []
    index = 0
    while index < len(text):
        if not "0" <= text[index] <= "9":
            index += 1
            continue
        start = end = index
        spelled = ""
        while index < len(text):
            if "0" <= text[index] <= "9":
                spelled += text[index]
                index = end = index + 1
            elif text[index] in _PHONE_GAPS:
                index += 1
            elif _ascii_lower(text[index : index + 3]) in _ENCODED_PHONE_GAPS:
                index += 3
            else:
                break
        runs.append((start, end, spelled))
        index = end
    return runs


def _is_email_char(c: str, extra: str) -> bool:
    return _is_ascii_alphanumeric(c) or c in extra or c >= "\x80"


def _is_ascii_alphanumeric(c: str) -> bool:
    return "0" <= c <= "9" or "a" <= c <= "z" or "A" <= c <= "Z"


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def _is_ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


# Built last: the constructor validates its arguments with the helpers above. The module's
# functions are its bound methods: a wrapper coroutine would add its own cost to every call.
_default = PersonaClick()
segment_add = _default.segment_add
segment_remove = _default.segment_remove
segment_get = _default.segment_get
