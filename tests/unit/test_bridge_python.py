"""The bridge in CPython: validation, conversion, error mapping and shared segment_get calls.

Most tests replace the JavaScript edge with a recorder that answers with the JSON outcomes the
real edge produces. The shared-call tests run the module's real edge in Node.js, against the
scripted SDK of the browser tests (tests/doubles/fake_sdk.js); the browser cases cover the rest.
"""

import asyncio
import concurrent.futures
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from doubles.node_edge import NodeEdge

import personaclick_bridge as pc

EMAIL = "ann.lee@example.com"
PHONE = "+49 (151) 1234-5678"


class RecordingEdge:
    """Stands in for the JS (send, get) pair: records calls, answers with a set outcome."""

    def __init__(self, outcome=None):
        self.outcome = outcome or {"queued": True}
        self.calls = []

    def send(self, global_name, action, params):
        self.calls.append((global_name, action, json.loads(params)))
        return json.dumps(self.outcome)

    def get(self, global_name, timeout_ms, fresh):
        self.calls.append((global_name, "get", timeout_ms) + (("fresh",) if fresh else ()))

        async def answer():
            return json.dumps(self.outcome)

        return answer()


@pytest.fixture
def edge(monkeypatch):
    recorder = RecordingEdge()
    monkeypatch.setattr(pc, "_send_function", recorder.send)
    monkeypatch.setattr(pc, "_get_function", recorder.get)
    return recorder


def run(coroutine):
    """Drive a bridge coroutine to its end: with the recording edge it never suspends."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    raise AssertionError("the coroutine suspended")


def test_import_has_no_side_effects_and_works_without_pyscript():
    """Importing the module in plain CPython touches no JS and needs no pyscript module."""
    code = "import sys, personaclick_bridge; assert 'pyscript' not in sys.modules; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_public_names():
    """__all__ lists exactly the documented API."""
    assert sorted(pc.__all__) == sorted(
        [
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
    )
    assert pc.DEFAULT_TIMEOUT == 10.0


def test_exception_tree():
    """Every runtime failure is a PersonaClickError; caller mistakes are not."""
    for leaf in (pc.SDKNotLoadedError, pc.SDKTimeoutError, pc.SDKError):
        assert issubclass(leaf, pc.PersonaClickError)
    assert issubclass(pc.PersonaClickError, Exception)
    assert not issubclass(pc.PersonaClickError, (TypeError, ValueError))


def test_refusals_have_public_names():
    """A refused argument raises ArgumentTypeError or ArgumentValueError, a TypeError or a
    ValueError that a traceback names as the module's public class, with .argument."""
    assert issubclass(pc.ArgumentTypeError, TypeError)
    assert issubclass(pc.ArgumentValueError, ValueError)
    for call, error in (
        (lambda: pc.PersonaClick(None), pc.ArgumentTypeError),
        (lambda: pc.PersonaClick(timeout=0), pc.ArgumentValueError),
    ):
        with pytest.raises(error) as raised:
            call()
        assert type(raised.value) is error
        assert f"personaclick_bridge.{error.__name__}" in "".join(
            traceback.format_exception(raised.value)
        )
        assert raised.value.argument in ("global_name", "timeout")


def test_add_sends_segment_id_and_only_given_fields(edge):
    """add/remove send segment_id, and email/phone only when given, normalised."""
    run(pc.segment_add(100500))
    run(pc.segment_remove(" vip ", email=f"  {EMAIL} ", phone=PHONE))
    assert edge.calls == [
        ("personaclick", "add", {"segment_id": 100500}),
        (
            "personaclick",
            "remove",
            {"segment_id": "vip", "email": EMAIL, "phone": "+4915112345678"},
        ),
    ]


@pytest.mark.parametrize(
    "phone, sent",
    [
        ("+10000000000", "+10000000000"),
        ("1 000 000 0000", "+10000000000"),
        ("+44 (20) 7946-0958", "+442079460958"),
        ("+7.495.123.45.67", "+74951234567"),
        ("1234567", "+1234567"),
        ("+123456789012345", "+123456789012345"),
    ],
)
def test_phone_is_sent_as_plus_and_digits(edge, phone, sent):
    """Phones in full international format are sent as + followed by 7 to 15 digits."""
    run(pc.segment_add(1, phone=phone))
    assert edge.calls[0][2]["phone"] == sent


@pytest.mark.parametrize(
    "segment_id, error",
    [
        (True, TypeError),
        (False, TypeError),
        (1.0, TypeError),
        (None, TypeError),
        ([1], TypeError),
        (b"12", TypeError),
        (0, ValueError),
        (-1, ValueError),
        (2**53, ValueError),
        ("", ValueError),
        ("  \t ", ValueError),
        ("x" * 65, ValueError),
        ("a\x00b", ValueError),
        ("tab\tinside", ValueError),
        ("del\x7f", ValueError),
    ],
)
def test_bad_segment_id_is_refused_before_the_sdk(edge, segment_id, error):
    """A bad segment_id raises TypeError/ValueError naming it and showing it; nothing is sent."""
    with pytest.raises(error, match="segment_id") as raised:
        run(pc.segment_add(segment_id))
    assert repr(segment_id)[:20] in str(raised.value)
    assert raised.value.argument == "segment_id"
    assert edge.calls == []


@pytest.mark.parametrize("segment_id", [1, 2**53 - 1, "x" * 64, "  spaced  ", "100500", "VIP-é"])
def test_good_segment_ids_are_accepted(edge, segment_id):
    """Ids at the limits are sent, strings stripped."""
    run(pc.segment_add(segment_id))
    expected = segment_id.strip() if isinstance(segment_id, str) else segment_id
    assert edge.calls[0][2]["segment_id"] == expected


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann@@example.com",
        "ann@ex@ample.com",
        "ann lee@example.com",
        "ann@exa mple.com",
        "ann@.com",
        "ann@example.",
        "a" * 250 + "@example.com",
    ],
)
def test_bad_email_is_refused_without_showing_it(edge, email):
    """A malformed email raises ValueError that names the argument but never shows the value."""
    with pytest.raises(ValueError, match="email") as raised:
        run(pc.segment_add(1, email=email))
    assert email.strip() == "" or email not in str(raised.value)
    assert raised.value.argument == "email"
    assert edge.calls == []


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "123456",
        "+1234567890123456",
        "+1 800 FLOWERS",
        "++10000000000",
        "10000000000+",
        "+١٢٣٤٥٦٧٨",
        "+1/000/000/0000",
    ],
)
def test_bad_phone_is_refused_without_showing_it(edge, phone):
    """A malformed phone raises ValueError that names the argument but never shows the value."""
    with pytest.raises(ValueError, match="phone") as raised:
        run(pc.segment_add(1, phone=phone))
    assert phone == "" or phone not in str(raised.value)
    assert raised.value.argument == "phone"
    assert edge.calls == []


@pytest.mark.parametrize("field", ["email", "phone"])
def test_personal_fields_of_the_wrong_type_raise_type_error_without_value(edge, field):
    """A non-string email/phone is a TypeError that shows the type, not the value."""
    with pytest.raises(TypeError, match=field) as raised:
        run(pc.segment_add(1, **{field: 4915112345678}))
    assert "4915112345678" not in str(raised.value)
    assert raised.value.argument == field
    assert edge.calls == []


@pytest.mark.parametrize(
    "timeout, error",
    [
        ("1", TypeError),
        (True, TypeError),
        (0, ValueError),
        (-0.5, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (3_000_000, ValueError),
    ],
)
def test_bad_timeout_is_refused(edge, timeout, error):
    """segment_get and the constructor refuse a timeout that is not a finite number > 0."""
    with pytest.raises(error, match="timeout") as raised:
        run(pc.segment_get(timeout=timeout))
    assert raised.value.argument == "timeout"
    with pytest.raises(error, match="timeout") as raised:
        pc.PersonaClick(timeout=timeout)
    assert raised.value.argument == "timeout"
    assert edge.calls == []


def test_timeout_reaches_the_edge_in_milliseconds(edge):
    """A call's timeout, else the instance's, is handed to JS in milliseconds."""
    edge.outcome = {"answered": []}
    run(pc.segment_get(timeout=0.25))
    run(pc.PersonaClick("r46", timeout=3).segment_get())
    run(pc.segment_get())
    assert edge.calls == [
        ("personaclick", "get", 250.0),
        ("r46", "get", 3000.0),
        ("personaclick", "get", 10000.0),
    ]


@pytest.mark.parametrize("name, error", [("", ValueError), (" pc", ValueError), (None, TypeError)])
def test_bad_global_name_is_refused(name, error):
    """The constructor refuses a global name that cannot name the SDK."""
    with pytest.raises(error, match="global_name") as raised:
        pc.PersonaClick(name)
    assert raised.value.argument == "global_name"


@pytest.mark.parametrize(
    "outcome, error, text",
    [
        ({"missing": True}, pc.SDKNotLoadedError, "window.personaclick"),
        ({"threw": "kaput"}, pc.SDKError, "kaput"),
        ({"timeout": True}, pc.SDKTimeoutError, "2 s"),
        ({"unreadable": "cyclic object value"}, pc.SDKError, "cyclic"),
        ({"tooLarge": 5242911}, pc.SDKError, "5242911 bytes .* limit of 393216 bytes"),
    ],
)
def test_edge_outcomes_map_to_errors(edge, outcome, error, text):
    """What the JS edge reports becomes the documented PersonaClickError leaf."""
    edge.outcome = outcome
    with pytest.raises(error, match=text) as raised:
        run(pc.segment_get(timeout=2))
    if error is pc.SDKTimeoutError:
        assert raised.value.timeout == 2
    if error is pc.SDKNotLoadedError:
        assert raised.value.global_name == "personaclick"


def raw_answer(monkeypatch, text):
    """Make the edge answer every segment_get with text as it is, not an outcome as JSON."""

    async def get(global_name, timeout_ms, fresh):
        return text

    monkeypatch.setattr(pc, "_get_function", get)


def test_answer_too_deep_for_python_is_sdk_error(monkeypatch):
    """An answer nested deeper than Python's recursion limit is an SDKError, not a crash."""
    depth = sys.getrecursionlimit() * 3
    raw_answer(monkeypatch, '{"answered":[{"id":' + "[" * depth + "]" * depth + ',"type":"s"}]}')
    with pytest.raises(pc.SDKError, match="could not be read: RecursionError"):
        run(pc.segment_get())


@pytest.mark.parametrize("failure", [MemoryError, RecursionError, RuntimeError])
def test_runtime_failure_while_reading_an_answer_is_sdk_error(monkeypatch, failure):
    """Running out of memory or stack while reading an answer ends the call with an SDKError."""

    def failing_parse(text):
        raise failure("memory allocation failed")

    raw_answer(monkeypatch, '{"answered":[]}')
    monkeypatch.setattr(pc, "_parsed", failing_parse)
    with pytest.raises(pc.SDKError, match=f"could not be read: {failure.__name__}$"):
        run(pc.segment_get())


def test_sdk_messages_have_personal_data_redacted(edge):
    """An SDK error that echoes the email or phone sent does not carry them."""
    edge.outcome = {"threw": f"rejected {EMAIL} and +4915112345678 (4915112345678)"}
    with pytest.raises(pc.SDKError) as raised:
        run(pc.segment_add(1, email=EMAIL, phone=PHONE))
    text = str(raised.value)
    assert EMAIL not in text and "4915112345678" not in text, text
    assert "rejected" in text


@pytest.mark.parametrize(
    "echo",
    [
        EMAIL.upper(),
        "Ann.Lee@Example.COM",
        "ann.lee%40example.com",
        "ANN.LEE%40EXAMPLE.COM",
        "4915112345678",
        "+49 151 1234 5678",
        "0049-151-123-45-678",
        "%2B49%20151%2012345678",
    ],
)
def test_sdk_text_echoing_the_contacts_sent_in_any_spelling_is_redacted(edge, echo):
    """The email sent matches in any case and percent-encoded; the phone in any grouping."""
    edge.outcome = {"threw": f"rejected {echo}: quota"}
    with pytest.raises(pc.SDKError) as raised:
        run(pc.segment_add(1, email=EMAIL, phone=PHONE))
    assert str(raised.value).endswith("threw: rejected [redacted]: quota"), str(raised.value)


@pytest.mark.parametrize(
    "outcome",
    [
        {"threw": "mary.major@shop.example and +1 (555) 010-9999 are taken"},
        {"unreadable": "cannot clone mary.major%40shop.example, +15550109999"},
        {"answered": {"status": "error", "message": "mary.major@shop.example, +1 555 010 9999"}},
        {"answered": {"status": "error", "payload": {"message": "Mary.Major@Shop.Example"}}},
        {"answered": [{"id": {"by": "mary.major@shop.example"}, "type": "static"}]},
        {"answered": [{"id": 1, "type": ["+1 (555) 010-9999"]}]},
    ],
)
def test_sdk_text_shaped_like_any_contact_is_redacted(edge, outcome):
    """Any email address or international phone number in the SDK's words is hidden."""
    edge.outcome = outcome
    with pytest.raises(pc.SDKError) as raised:
        run(pc.segment_get())
    text = str(raised.value).lower()
    assert "[redacted]" in text, text
    assert "mary" not in text and "shop.example" not in text and "010" not in text, text


def test_redaction_keeps_the_sdks_other_words(edge):
    """Segment ids, short numbers and words without a contact stay as the SDK wrote them."""
    edge.outcome = {"threw": "segment 100500 is full (limit 2000, retry in 30 s) at a@localhost"}
    with pytest.raises(
        pc.SDKError,
        match=r"threw: segment 100500 is full \(limit 2000, retry in 30 s\) at a@localhost$",
    ):
        run(pc.segment_add(1, email=EMAIL))


@pytest.mark.parametrize(
    "call",
    [
        lambda: pc.segment_add("ann.lee@example.com\x00"),
        lambda: pc.segment_add(["+49 151 12345678"]),
        lambda: pc.segment_get(timeout="ann.lee@example.com"),
        lambda: pc.segment_get(fresh="+49 151 12345678"),
        lambda: pc.PersonaClick(" ann.lee@example.com"),
    ],
)
def test_caller_mistakes_never_echo_a_contact(edge, call):
    """A contact passed where another argument belongs is not shown back in the error."""
    with pytest.raises((TypeError, ValueError)) as raised:
        result = call()
        if asyncio.iscoroutine(result):
            run(result)
    text = str(raised.value)
    assert "[redacted]" in text and "ann.lee" not in text and "12345678" not in text, text
    assert not edge.calls


@pytest.mark.parametrize(
    "payload, expected",
    [
        (None, []),
        ([], []),
        ([{"id": 313, "type": "static"}], [{"id": 313, "type": "static"}]),
        ([{"id": "0314", "type": "dynamic"}], [{"id": 314, "type": "dynamic"}]),
        (
            [{"id": "gold", "type": "rfm", "x": {"y": [1]}}],
            [{"id": "gold", "type": "rfm", "x": {"y": [1]}}],
        ),
    ],
)
def test_payload_conversion(edge, payload, expected):
    """The callback's payload becomes a list of plain dicts; digit-string ids become int."""
    edge.outcome = {"answered": payload}
    assert run(pc.segment_get()) == expected


@pytest.mark.parametrize(
    "payload, text",
    [
        ({"status": "error", "message": "Shop is inactive"}, "Shop is inactive"),
        ({"status": "error", "payload": {"message": "Shop not found"}}, "Shop not found"),
        ({"status": "error"}, "no message"),
        ({"status": "success"}, "an object, not a list"),
        ("oops", "a string"),
        (7, "a number"),
        (True, "a boolean"),
        ([None], "segment 0 .* null"),
        ([{"id": 1, "type": "static"}, "x"], "segment 1 .* a string"),
        ([{"type": "static"}], "no 'id'"),
        ([{"id": 1}], "no 'type'"),
        ([{"id": 1.5, "type": "static"}], "the id 1.5"),
        ([{"id": True, "type": "static"}], "the id True"),
        ([{"id": "", "type": "static"}], "the id ''"),
        ([{"id": 1, "type": None}], "the type None"),
    ],
)
def test_malformed_payloads_raise_sdk_error(edge, payload, text):
    """Error objects and malformed payloads raise SDKError saying what was wrong."""
    edge.outcome = {"answered": payload}
    with pytest.raises(pc.SDKError, match=text):
        run(pc.segment_get())


def test_wheel_pages_install_the_version_being_built():
    """The page that installs the wheel names the file that the module's __version__ builds."""
    root = Path(__file__).resolve().parents[2]
    wheel = f"/dist/personaclick_bridge-{pc.__version__}-py3-none-any.whl"
    assert wheel in (root / "tests" / "browser" / "tag.html").read_text()


def test_fresh_reaches_the_edge_and_must_be_a_bool(edge):
    """fresh=True is handed to the edge; anything but a bool is refused before the SDK."""
    edge.outcome = {"answered": []}
    run(pc.segment_get(fresh=True))
    run(pc.PersonaClick("r46").segment_get(timeout=1, fresh=False))
    assert edge.calls == [("personaclick", "get", 10000.0, "fresh"), ("r46", "get", 1000.0)]
    for fresh in (1, "yes", None):
        with pytest.raises(TypeError, match="fresh"):
            run(pc.segment_get(fresh=fresh))
    assert len(edge.calls) == 2


def test_blocked_sdk_outcome_is_not_loaded_error(edge):
    """A get that timed out in the loader stub's queue says the SDK script did not load."""
    edge.outcome = {"unloaded": True}
    with pytest.raises(pc.SDKNotLoadedError) as raised:
        run(pc.segment_get(timeout=3))
    text = str(raised.value)
    assert "did not load" in text and "blocked" in text and "unreachable" in text, text
    assert "window.personaclick" in text and "3 s" in text, text
    assert raised.value.timeout == 3 and raised.value.global_name == "personaclick"


def run_loop(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API may hold a loop in this one.
    An answer that never comes fails the test after 30 s."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coroutine, 30)).result()


@pytest.fixture
def node():
    edge = NodeEdge()
    yield edge
    edge.close()


@pytest.fixture(params=["page", "worker"])
def node_edge(request, node, monkeypatch):
    """The real edge, called as on the page or as from a worker (through _WORKER_JS)."""
    worker = request.param == "worker"
    monkeypatch.setattr(pc, "_send_function", node.worker_send if worker else node.send)
    monkeypatch.setattr(pc, "_get_function", node.worker_get if worker else node.get)
    return node


SEGMENTS = [{"id": 313, "type": "static"}, {"id": 314, "type": "dynamic"}]


async def answered_once_all_are_made(node, *calls, sdk_calls=1):
    """Make the calls, then have the SDK give the answers it holds: a busy machine may pause
    longer than any set delay between two calls. Return their results, errors included."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    await asyncio.sleep(0)  # each task makes its call in its first step
    while len(node.sdk_actions()) < sdk_calls:  # from a worker, a call reaches the SDK later
        await asyncio.sleep(0.001)
    node.fake_sdk("release")
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_concurrent_gets_share_one_sdk_call(node_edge):
    """100 concurrent segment_get, from any PersonaClick instance, reach the SDK once."""
    node_edge.behave(get="held", payload=SEGMENTS)

    async def gets():
        clients = [pc.PersonaClick() for _ in range(50)]
        calls = [pc.segment_get() for _ in range(50)] + [c.segment_get() for c in clients]
        return await answered_once_all_are_made(node_edge, *calls)

    results = run_loop(gets())
    assert results == [SEGMENTS] * 100
    assert node_edge.sdk_actions() == ["get"]


def test_each_caller_gets_its_own_copy(node_edge):
    """Mutating one caller's list or dicts leaves the other callers' answers intact."""
    node_edge.behave(get="held", payload=SEGMENTS)

    async def gets():
        calls = (pc.segment_get() for _ in range(3))
        return await answered_once_all_are_made(node_edge, *calls)

    first, second, third = run_loop(gets())
    first[0]["type"] = "changed"
    first.append({"id": 1, "type": "static"})
    second.clear()
    assert third == SEGMENTS
    assert node_edge.sdk_actions() == ["get"]


def test_get_after_add_or_remove_never_joins_an_earlier_call(node_edge):
    """A get that starts after an add/remove, from any instance, makes its own SDK call."""
    node_edge.behave(get="numberedHeld")

    async def gets():
        before = asyncio.ensure_future(pc.segment_get())
        joined = asyncio.ensure_future(pc.PersonaClick().segment_get())
        await asyncio.sleep(0)
        await pc.PersonaClick().segment_add(100500)
        after_add = asyncio.ensure_future(pc.segment_get())
        await asyncio.sleep(0)
        await pc.segment_remove(100500)
        after_remove = pc.segment_get()
        calls = (before, joined, after_add, after_remove)
        return await answered_once_all_are_made(node_edge, *calls, sdk_calls=5)

    before, joined, after_add, after_remove = run_loop(gets())
    assert before == joined == [{"id": 0, "type": "static"}]
    assert [after_add[0]["id"], after_remove[0]["id"]] == [1, 2]
    assert node_edge.sdk_actions() == ["get", "add", "get", "remove", "get"]


def test_short_timeout_ends_only_its_own_wait(node_edge):
    """A joined caller's short timeout raises for it alone; the others get the answer."""
    node_edge.behave(get="held", payload=SEGMENTS)

    async def gets():
        waits = [asyncio.ensure_future(pc.segment_get(timeout=t)) for t in (2, 0.01, 2)]
        await asyncio.wait([waits[1]])  # the SDK answers once the short wait has ended
        node_edge.fake_sdk("release")
        return await asyncio.gather(*waits, return_exceptions=True)

    long_wait, short_wait, other = run_loop(gets())
    assert isinstance(short_wait, pc.SDKTimeoutError) and short_wait.timeout == 0.01
    assert long_wait == other == SEGMENTS
    assert node_edge.sdk_actions() == ["get"]


def test_every_wait_ends_at_its_own_deadline(node_edge):
    """Waits share one timer, yet each silent call times out at its own deadline, not sooner,
    whether its deadline comes before the timer's or after it."""
    node_edge.behave(get="never")
    timeouts = (0.3, 0.05, 0.15, 0.1)

    async def silent_call(timeout):
        start = time.monotonic()
        with pytest.raises(pc.SDKTimeoutError) as raised:
            await pc.segment_get(timeout=timeout, fresh=True)
        return time.monotonic() - start, raised.value.timeout

    async def calls():
        return await asyncio.gather(*(silent_call(timeout) for timeout in timeouts))

    ended = run_loop(calls())
    assert [timeout for _, timeout in ended] == list(timeouts)
    for elapsed, timeout in ended:
        assert timeout <= elapsed < timeout + 1, ended
    assert node_edge.sdk_actions() == ["get"] * len(timeouts)


def test_sdk_error_reaches_every_caller_as_its_own_exception(node_edge):
    """An error answer raises SDKError in every joined caller, a distinct instance each."""
    node_edge.behave(get="held", payload={"status": "error", "message": "no shop"})

    async def gets():
        calls = (pc.segment_get() for _ in range(3))
        return await answered_once_all_are_made(node_edge, *calls)

    errors = run_loop(gets())
    assert all(isinstance(error, pc.SDKError) and "no shop" in str(error) for error in errors)
    assert len({id(error) for error in errors}) == 3
    assert node_edge.sdk_actions() == ["get"]


def test_fresh_calls_the_sdk_and_later_calls_may_join_it(node_edge):
    """fresh=True always makes its own SDK call; a later plain call shares the freshest."""
    node_edge.behave(get="numberedHeld")

    async def gets():
        first = asyncio.ensure_future(pc.segment_get())
        fresh = [asyncio.ensure_future(pc.segment_get(fresh=True)) for _ in range(3)]
        await asyncio.sleep(0)
        joined = pc.segment_get()  # made while the freshest call waits
        return await answered_once_all_are_made(node_edge, first, *fresh, joined, sdk_calls=4)

    ids = [segments[0]["id"] for segments in run_loop(gets())]
    assert ids[:4] == [0, 1, 2, 3] and ids[4] == 3, ids
    assert node_edge.sdk_actions() == ["get"] * 4


def test_call_nobody_waits_for_is_not_joined(node_edge):
    """Once every caller of a call has timed out, a newcomer makes a new SDK call."""
    node_edge.behave(get="numbered", delayMs=100)

    async def gets():
        with pytest.raises(pc.SDKTimeoutError):
            await pc.segment_get(timeout=0.01)
        return await pc.segment_get()

    assert run_loop(gets()) == [{"id": 1, "type": "static"}]
    assert node_edge.sdk_actions() == ["get", "get"]


WORKER_GET = dict(op="get", name="personaclick", timeoutMs=1000, fresh=False)


def test_worker_gets_made_before_an_answer_arrives_share_it(node):
    """A worker's gets share one SDK call even when the SDK answers the first before the page
    reads the next message: each was made while the worker still waited for that answer."""
    node.behave(get="microtask", payload=SEGMENTS)

    async def burst():
        return await asyncio.gather(*node.worker_burst(*[WORKER_GET] * 5))

    assert [json.loads(text) for text in run_loop(burst())] == [{"answered": SEGMENTS}] * 5
    assert node.sdk_actions() == ["get"]


def test_worker_get_after_its_own_add_makes_a_new_call(node):
    """In a worker's burst, a get made after an add never shares the answer of one before it."""
    node.behave(get="numbered", delayMs=1)
    add = dict(op="send", name="personaclick", action="add", params='{"segment_id": 1}')

    async def burst():
        return await asyncio.gather(*node.worker_burst(WORKER_GET, add, WORKER_GET))

    before, _, after = [json.loads(text) for text in run_loop(burst())]
    assert [before["answered"][0]["id"], after["answered"][0]["id"]] == [0, 1]
    assert node.sdk_actions() == ["get", "add", "get"]


def test_worker_calls_made_before_the_page_listens_are_answered(node):
    """A browser registers a new channel with its peers asynchronously: a worker's first calls,
    made before the page's end hears anything, reach the SDK once each, in order, and answer."""
    node.behave(get="numbered", delayMs=1)
    add = dict(op="send", name="personaclick", action="add", params='{"segment_id": 1}')

    async def burst():
        return await asyncio.gather(*node.late_worker_burst(50, WORKER_GET, add, WORKER_GET))

    before, added, after = [json.loads(text) for text in run_loop(burst())]
    assert added == {"queued": True}
    assert [before["answered"][0]["id"], after["answered"][0]["id"]] == [0, 1]
    assert node.sdk_actions() == ["get", "add", "get"]


@pytest.mark.parametrize("change", [None, "add", "remove"])
def test_answered_call_is_shared_only_while_no_change_came_since(node, change):
    """The page shares an answered call with a get that names it, unless an add/remove (here
    from the page itself) reached the SDK after that call began."""
    node.behave(get="numbered", delayMs=1)

    async def calls():
        first = await node.post(1, "get", "personaclick", 1000, False, None)
        if change:
            node.send("personaclick", change, '{"segment_id": 1}')
        return first, await node.post(2, "get", "personaclick", 1000, False, 1)

    first, second = run_loop(calls())
    if change:
        assert json.loads(second)["answered"][0]["id"] == 1
        assert node.sdk_actions() == ["get", change, "get"]
    else:
        assert second == first
        assert node.sdk_actions() == ["get"]


def test_answered_call_nobody_waited_for_is_not_shared(node):
    """A call whose every caller timed out before the SDK answered is not shared afterwards."""
    node.behave(get="numbered", delayMs=60)

    async def calls():
        timed_out = await node.post(1, "get", "personaclick", 10, False, None)
        await asyncio.sleep(0.2)  # the SDK answers call 0 meanwhile
        return timed_out, await node.post(2, "get", "personaclick", 1000, False, 1)

    timed_out, second = run_loop(calls())
    assert json.loads(timed_out) == {"timeout": True}
    assert json.loads(second)["answered"][0]["id"] == 1
    assert node.sdk_actions() == ["get", "get"]


def test_blocked_sdk_is_named_and_a_silent_one_is_a_timeout(node_edge):
    """A get still in the loader stub's queue at its timeout is SDKNotLoadedError; add/remove
    return once queued; a get the SDK took but never answered is SDKTimeoutError."""
    node_edge.fake_sdk("installStub")

    async def blocked():
        await pc.segment_add(1)
        await pc.segment_remove(1)
        return await asyncio.gather(
            pc.segment_get(timeout=0.02), pc.segment_get(timeout=0.03), return_exceptions=True
        )

    errors = run_loop(blocked())
    assert all(type(error) is pc.SDKNotLoadedError for error in errors), errors
    assert "did not load" in str(errors[0]) and errors[1].timeout == 0.03
    node_edge.behave(get="never")
    with pytest.raises(pc.SDKTimeoutError):
        run_loop(pc.segment_get(timeout=0.02))


# The edge's text for an answer of one segment whose type is filler: the cap counts its bytes.
ENVELOPE_BYTES = len(json.dumps({"answered": [{"id": 1, "type": ""}]}, separators=(",", ":")))


@pytest.mark.parametrize("filler", ["x", "é", "€"])  # 1, 2 and 3 bytes in UTF-8
def test_answer_up_to_the_cap_is_read_and_one_byte_more_is_sdk_error(node_edge, filler):
    """The cap counts the answer's UTF-8 bytes in JS: at the cap the segments come through,
    a byte over it is an SDKError naming the size, before Python holds the text."""
    width = len(filler.encode())
    most = (pc.MAX_ANSWER_BYTES - ENVELOPE_BYTES) // width  # fillers at most in the cap
    for count in (most, most + 1):
        payload_js = f"return [{{ id: 1, type: {json.dumps(filler)}.repeat({count}) }}]"
        node_edge.behave(get="sync", payloadJs=payload_js)
        if count == most:
            [segment] = run_loop(pc.segment_get())
            assert segment["type"] == filler * count
        else:
            with pytest.raises(pc.SDKError, match=f"is {ENVELOPE_BYTES + count * width} bytes"):
                run_loop(pc.segment_get())


# What an SDK may throw, and the text the SDKError shows for it.
ODD_THROWS = [
    ("return { get message() { throw new Error('getter'); } }", "an error that has no text"),
    ("return new Proxy({}, { get() { throw new Error('trap'); } })", "an error that has no text"),
    ("return { toString() { throw new Error('no text'); } }", "an error that has no text"),
    ("return Symbol('odd')", "Symbol(odd)"),
    ("return null", "null"),
    ("return 'word '.repeat(2000000)", "word " * 150),
]


@pytest.mark.parametrize("thrown_js, shown", ODD_THROWS)
def test_whatever_the_sdk_throws_every_call_ends_in_sdk_error(node_edge, thrown_js, shown):
    """A throw of any value, in add, remove or get, is an SDKError of at most 1000 of its
    characters."""
    node_edge.behave(get="throw", sendThrows=True, throwJs=thrown_js)
    for call in (lambda: pc.segment_add(1), lambda: pc.segment_remove(1), pc.segment_get):
        with pytest.raises(pc.SDKError) as raised:
            run_loop(call())
        assert shown in str(raised.value) and len(str(raised.value)) < 1100, str(raised.value)


# Answers no JSON carries as they are, and what segment_get makes of each: segments or an error.
ODD_ANSWERS = [
    ("return [{ id: 1n, type: 'static' }]", pc.SDKError, "BigInt"),
    ("return [{ get id() { throw new Error('getter'); }, type: 's' }]", pc.SDKError, "getter"),
    ("const a = [{ id: 1, type: 's' }]; a[0].self = a; return a", pc.SDKError, "not JSON"),
    ("return [{ id: NaN, type: 'static' }]", pc.SDKError, "the id None"),
    ("return [{ id: 1.5, type: 'static' }]", pc.SDKError, "the id 1.5"),
    (
        'return JSON.parse(\'[{"__proto__": {"id": 2}, "constructor": 3, "id": 1, "type": "s"}]\')',
        [{"__proto__": {"id": 2}, "constructor": 3, "id": 1, "type": "s"}],
        None,
    ),
    (
        "return Array.from({ length: 10000 }, (_, i) => ({ id: 100000 + i, type: 'static' }))",
        [{"id": 100000 + i, "type": "static"} for i in range(10000)],
        None,
    ),
    (
        "let id = 1; for (let i = 0; i < 3000; i++) id = [id]; return [{ id, type: 's' }]",
        pc.SDKError,
        "could not be read: RecursionError",
    ),
]


@pytest.mark.parametrize("payload_js, expected, text", ODD_ANSWERS)
def test_odd_js_answers_are_segments_or_sdk_errors(node_edge, payload_js, expected, text):
    """BigInt, throwing getters, cycles, NaN and float ids, prototype keys, 10,000 segments
    and deep nesting end in segments or an SDKError."""
    node_edge.behave(get="sync", payloadJs=payload_js)
    if isinstance(expected, list):
        assert run_loop(pc.segment_get()) == expected
    else:
        with pytest.raises(expected, match=text):
            run_loop(pc.segment_get())


@pytest.mark.parametrize("contact", [EMAIL, PHONE])
def test_long_sdk_text_is_cut_without_leaving_part_of_a_contact(node_edge, contact):
    """SDK text is cut to 1000 characters; a contact the cut falls in is dropped whole."""
    for cut_at in range(1, len(contact)):
        text = "x" * (1000 - cut_at) + " " + contact + " and more" * 200
        node_edge.behave(get="throw", throwJs=f"return new Error({json.dumps(text)})")
        with pytest.raises(pc.SDKError) as raised:
            run_loop(pc.segment_get())
        shown = str(raised.value)
        assert shown.endswith("x…"), (cut_at, shown[-40:])


def test_a_long_bad_value_is_quoted_shortened(edge):
    """A message quotes at most 100 characters of a bad value, and says it cut the rest."""
    with pytest.raises(ValueError) as raised:
        run(pc.segment_add("x" * 5000))
    assert "'" + "x" * 99 + "…" in str(raised.value) and "x" * 101 not in str(raised.value)
