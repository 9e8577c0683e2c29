"""The bridge's behaviour in the real runtime, against the scripted SDK of fake_sdk.js.

Every ``case_*`` coroutine is one test: harness.py runs them in order on the page and reports
each as passed or failed; test_bridge_in_browser.py turns each into a pytest test.
"""

import asyncio
import gc
import json
import sys

from pyscript import RUNNING_IN_WORKER, window

import personaclick_bridge as pc

SEGMENTS = [{"id": 313, "type": "static"}, {"id": 314, "type": "dynamic"}]
SHORT = 0.05  # seconds: long enough for a setTimeout(0) answer, short for a test
# How long the SDK takes when calls must meet in one SDK call: time enough to make them all. (A
# worker's calls that reach the page after the answer still share it: they name the call.)
JOIN_WINDOW_MS = 100


def behave(**behaviour):
    window.fakeSdk.configure(json.dumps(behaviour))


def sdk_calls():
    return json.loads(window.fakeSdk.callsJson())


async def raises(error_type, coroutine):
    try:
        await coroutine
    except error_type as error:
        return error
    raise AssertionError(f"expected {error_type.__name__}")


async def live_memory():
    """Live Python objects on CPython-like runtimes; allocated heap bytes on MicroPython.

    MicroPython keeps each callable it hands JS for a promise until JS's collector finalises
    it, which Firefox and WebKit put off: a burst of JS garbage makes every engine collect, and
    the lowest of three readings, each after a burst, is the heap once the finalisers have run.
    """
    await asyncio.sleep(0.05)  # MicroPython collects only what no running call still holds
    gc.collect()
    if hasattr(gc, "get_objects"):
        return len(gc.get_objects()), 50
    readings = []
    # WebKit may finalise a round's callables only at a later collection: a whole round's
    # 16 bytes an await (25 KB) came and went between readings when there was one.
    for _ in range(3):
        make_js_garbage()
        await asyncio.sleep(0.05)
        gc.collect()
        gc.collect()  # twice: MicroPython's first pass can miss blocks freed by finalisers
        readings.append(gc.mem_alloc())
    return min(readings), 16 * 1024  # bytes: one 16-byte block a call shows in 1,300 calls


# The runtime's own cost of awaiting JS: a promise made where Python runs (a worker's own scope,
# not the page's), answered in a microtask as the SDK answers, awaited bare. Pyodide in a worker
# has it answered from a message task instead: WebKit wakes that asyncio by setTimeout(0), which
# nested timers stretch to 4 ms (3.6 ms an await, against 0.1 ms), and a message task starts the
# nesting afresh. Pyodide's count of live objects is the same either way.
ANSWER_IN_MICROTASK = "return () => new Promise((resolve) => queueMicrotask(() => resolve('[]')))"
ANSWER_BY_MESSAGE = """
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()("[]");
return () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(null);
});
"""
if RUNNING_IN_WORKER:
    import js as here
else:
    here = window
ON_PYODIDE_IN_A_WORKER = RUNNING_IN_WORKER and sys.implementation.name != "micropython"
# Objects that outlive a few young collections, then buffers: with buffers alone, WebKit's
# readings still held finalisable callables after three bursts.
MAKE_JS_GARBAGE = """
let kept = [];
for (let batch = 0; batch < 4; batch++) {
  for (let i = 0; i < 200000; i++) kept.push({ i, text: "x" + i });
  kept = [];
}
for (let i = 0; i < 20000; i++) new ArrayBuffer(4096);
"""
make_js_garbage = here.Function(MAKE_JS_GARBAGE)
bare_promise = here.Function(ANSWER_BY_MESSAGE if ON_PYODIDE_IN_A_WORKER else ANSWER_IN_MICROTASK)()
# One round of the bridge in the case below, and the JS promises it awaits: one per get, and
# in a worker one per add too (on the page an add answers at once).
ANSWERED_GETS = 1000
ADD_EVERY = 4  # answered gets
MIXED_TURNS = 50  # each: four gets, answered, timed out, answered with an error, thrown
NOT_LOADED_GETS = 100
ROUND_AWAITS = ANSWERED_GETS + 4 * MIXED_TURNS + NOT_LOADED_GETS
if RUNNING_IN_WORKER:
    ROUND_AWAITS += ANSWERED_GETS // ADD_EVERY
ROUNDS = 3


def assert_plain(value):
    """Fail if a JsProxy, jsnull or any non-JSON Python type hides anywhere in value."""
    if isinstance(value, list):
        for item in value:
            assert_plain(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, repr(key)
            assert_plain(item)
    else:
        assert value is None or type(value) in (bool, int, float, str), repr(type(value))


async def case_get_async_callback():
    """segment_get returns the payload of a callback fired later, as plain lists and dicts."""
    behave(get="async", payload=SEGMENTS, delayMs=20)
    segments = await pc.segment_get()
    assert segments == SEGMENTS, segments
    assert type(segments) is list and all(type(s) is dict for s in segments)
    assert_plain(segments)


async def case_get_sync_callback():
    """A callback fired synchronously inside the SDK call still resolves segment_get."""
    behave(get="sync", payload=SEGMENTS)
    assert await pc.segment_get(timeout=SHORT) == SEGMENTS


async def case_get_microtask_callback():
    """A callback fired from a microtask resolves segment_get."""
    behave(get="microtask", payload=SEGMENTS)
    assert await pc.segment_get(timeout=SHORT) == SEGMENTS


async def case_get_double_callback_keeps_first():
    """Only the first invocation of the callback counts; the second is ignored quietly."""
    behave(get="double", payload=SEGMENTS)
    assert await pc.segment_get(timeout=SHORT) == SEGMENTS
    await asyncio.sleep(0.02)
    behave(get="async", payload=[])
    assert await pc.segment_get() == []


async def case_get_never_times_out():
    """No callback within the timeout raises SDKTimeoutError carrying the timeout."""
    behave(get="never")
    error = await raises(pc.SDKTimeoutError, pc.segment_get(timeout=SHORT))
    assert error.timeout == SHORT
    assert isinstance(error, pc.PersonaClickError)


async def case_get_instance_timeout_applies():
    """With timeout=None, segment_get waits the instance's timeout."""
    behave(get="never")
    client = pc.PersonaClick(timeout=0.03)
    error = await raises(pc.SDKTimeoutError, client.segment_get())
    assert error.timeout == 0.03


async def case_get_late_callback_is_harmless():
    """A callback arriving after the timeout raises nothing and logs nothing."""
    behave(get="async", payload=SEGMENTS, delayMs=80)
    await raises(pc.SDKTimeoutError, pc.segment_get(timeout=0.02))
    await asyncio.sleep(0.12)
    assert await pc.segment_get() == SEGMENTS


async def case_get_sync_throw_is_sdk_error():
    """An SDK that throws inside segment_get raises SDKError with the JS message."""
    behave(get="throw", throwMessage="segment storage is broken")
    error = await raises(pc.SDKError, pc.segment_get(timeout=SHORT))
    assert "segment storage is broken" in str(error), str(error)


async def case_add_sync_throw_is_sdk_error_without_personal_data():
    """An SDK throw in add becomes SDKError; the email and phone it echoes are redacted."""
    behave(sendThrows=True, throwMessage="bad contact ann@example.com / +4915112345678")
    error = await raises(
        pc.SDKError, pc.segment_add(7, email="ann@example.com", phone="+49 151 1234-5678")
    )
    text = str(error)
    assert "bad contact" in text and "ann@example.com" not in text, text
    assert "4915112345678" not in text, text


async def case_missing_global_is_not_loaded_error():
    """Without window.personaclick every call raises SDKNotLoadedError naming the global."""
    window.fakeSdk.uninstall()
    for call in (pc.segment_get(timeout=SHORT), pc.segment_add(1), pc.segment_remove(1)):
        error = await raises(pc.SDKNotLoadedError, call)
        assert "window.personaclick" in str(error) and "loader" in str(error), str(error)
    window.personaclick = 42
    await raises(pc.SDKNotLoadedError, pc.segment_get(timeout=SHORT))


async def case_custom_global_name():
    """PersonaClick('r46') calls window.r46 and not window.personaclick."""
    behave(get="sync", payload=SEGMENTS)
    window.r46 = window.personaclick
    window.fakeSdk.uninstall()
    assert await pc.PersonaClick("r46").segment_get() == SEGMENTS
    await raises(pc.SDKNotLoadedError, pc.PersonaClick("rees46").segment_get())


async def case_global_is_looked_up_at_every_call():
    """A global replaced between calls (stub, then SDK) is the one called."""
    window.fakeSdk.uninstall()
    await raises(pc.SDKNotLoadedError, pc.segment_add(5))
    behave(get="sync", payload=SEGMENTS)
    await pc.segment_add(5)
    assert [call["action"] for call in sdk_calls()] == ["add"]


async def case_queue_stub_then_sdk_arrives():
    """Calls made on the loader stub are delivered once, in order, when the SDK arrives."""
    behave(get="async", payload=SEGMENTS)
    window.fakeSdk.installStub()
    await pc.segment_add(11, email="ann@example.com")
    pending = asyncio.create_task(pc.segment_get(timeout=2))
    await asyncio.sleep(0)  # let the get reach the stub before the remove
    await pc.segment_remove("12")
    await asyncio.sleep(0.05)
    assert not pending.done()
    window.fakeSdk.arrive()
    assert await pending == SEGMENTS
    calls = sdk_calls()
    assert [call["action"] for call in calls] == ["add", "get", "remove"], calls
    assert json.loads(calls[0]["params"]) == {"segment_id": 11, "email": "ann@example.com"}
    assert json.loads(calls[2]["params"]) == {"segment_id": "12"}


async def case_add_sends_plain_object_with_given_keys_only():
    """add/remove pass a plain JS object; omitted email/phone are absent keys."""
    behave()
    await pc.segment_add(100500)
    await pc.segment_remove(100500, phone="+1 (000) 000-0000")
    await pc.segment_add(" vip ", email=" ann@example.com ", phone="+1 000 000 0000")
    add, remove, add_all = sdk_calls()
    assert add["plainObject"] and add["keys"] == ["segment_id"], add
    assert json.loads(add["params"]) == {"segment_id": 100500}
    assert remove["action"] == "remove" and remove["keys"] == ["segment_id", "phone"]
    assert json.loads(remove["params"]) == {"segment_id": 100500, "phone": "+10000000000"}
    assert json.loads(add_all["params"]) == {
        "segment_id": "vip",
        "email": "ann@example.com",
        "phone": "+10000000000",
    }


async def case_add_returns_none_once_queued():
    """add and remove return None once the SDK has taken the call."""
    behave()
    assert await pc.segment_add(1) is None
    assert await pc.segment_remove(1) is None
    assert len(sdk_calls()) == 2


async def case_refused_input_never_reaches_sdk():
    """Every refused argument raises before the SDK is called, naming the argument in its
    ``argument`` attribute: the call count stays 0."""
    behave(get="sync", payload=[])
    bad_calls = [
        (TypeError, "segment_id", pc.segment_add(True)),
        (TypeError, "segment_id", pc.segment_add(1.5)),
        (TypeError, "segment_id", pc.segment_add(None)),
        (ValueError, "segment_id", pc.segment_add(0)),
        (ValueError, "segment_id", pc.segment_add(-3)),
        (ValueError, "segment_id", pc.segment_add("   ")),
        (ValueError, "segment_id", pc.segment_add("x" * 65)),
        (ValueError, "segment_id", pc.segment_add("a\nb")),
        (ValueError, "email", pc.segment_remove(1, email="not-an-email")),
        (TypeError, "email", pc.segment_remove(1, email=12345)),
        (ValueError, "phone", pc.segment_add(1, phone="12345")),
        (ValueError, "phone", pc.segment_add(1, phone="+1 800 FLOWERS")),
        (TypeError, "timeout", pc.segment_get(timeout="1")),
        (ValueError, "timeout", pc.segment_get(timeout=0)),
        (ValueError, "timeout", pc.segment_get(timeout=-1)),
        (TypeError, "fresh", pc.segment_get(fresh=1)),
    ]
    for error_type, argument, call in bad_calls:
        error = await raises(error_type, call)
        assert error.argument == argument, (argument, error.argument)
    assert sdk_calls() == []


async def case_conversion_of_payloads():
    """Digit-string ids become int, extra keys stay, null and undefined become []."""
    payload = [{"id": "313", "type": "static", "name": "VIP"}, {"id": "abc", "type": "rfm"}]
    behave(get="sync", payload=payload)
    segments = await pc.segment_get()
    assert segments == [
        {"id": 313, "type": "static", "name": "VIP"},
        {"id": "abc", "type": "rfm"},
    ], segments
    assert_plain(segments)
    behave(get="sync", payload=None)
    assert await pc.segment_get() == []
    behave(get="undefined")
    assert await pc.segment_get() == []


async def case_error_payloads_are_sdk_errors():
    """An error object from the SDK raises SDKError with its message."""
    behave(get="sync", payload={"status": "error", "message": "Shop is inactive"})
    error = await raises(pc.SDKError, pc.segment_get())
    assert "Shop is inactive" in str(error)
    behave(get="sync", payload={"status": "error", "payload": {"message": "Shop not found"}})
    error = await raises(pc.SDKError, pc.segment_get())
    assert "Shop not found" in str(error)


async def case_malformed_payloads_are_sdk_errors():
    """Payloads that are not arrays of {id, type} objects raise SDKError saying what is wrong."""
    malformed = [
        ({"status": "success"}, "an object"),
        ("313", "a string"),
        ([313], "segment 0"),
        ([{"id": 1, "type": "static"}, {"type": "static"}], "no 'id'"),
        ([{"id": 1}], "no 'type'"),
        ([{"id": None, "type": "static"}], "id"),
        ([{"id": 1, "type": 7}], "type"),
    ]
    for payload, expected in malformed:
        behave(get="sync", payload=payload)
        error = await raises(pc.SDKError, pc.segment_get())
        assert expected in str(error), (payload, str(error))


# Answers no JSON carries as they are: each ends in segments or in an SDKError saying why.
ODD_ANSWERS = [
    ("return [{ id: 1n, type: 'static' }]", "BigInt"),
    ("return [{ get id() { throw new Error('getter'); }, type: 's' }]", "getter"),
    ("const a = [{ id: 1, type: 's' }]; a[0].self = a; return a", "not JSON"),
    ("return [{ id: NaN, type: 'static' }]", "the id None"),
    ("return [{ id: 1.5, type: 'static' }]", "the id 1.5"),
    # Deeper than MicroPython's stack (a RuntimeError there): Pyodide reads it.
    (
        "let id = 1; for (let i = 0; i < 3000; i++) id = [id]; return [{ id, type: 's' }]",
        "could not be read: RuntimeError" if sys.implementation.name == "micropython" else "[[[",
    ),
]


async def case_odd_js_answers_are_segments_or_sdk_errors():
    """BigInt, throwing getters, cycles, NaN, float ids, deep nesting raise SDKError;
    prototype keys and 10,000 segments come through as plain data."""
    for payload_js, expected in ODD_ANSWERS:
        behave(get="sync", payloadJs=payload_js)
        error = await raises(pc.SDKError, pc.segment_get())
        assert expected in str(error), (payload_js, str(error))
    keyed = [{"__proto__": 2, "constructor": 3, "id": 1, "type": "s"}]
    behave(get="sync", payloadJs=f"return JSON.parse({json.dumps(json.dumps(keyed))})")
    assert await pc.segment_get() == keyed
    behave(
        get="sync", payloadJs="return Array.from({ length: 10000 }, (_, id) => ({ id, type: 's' }))"
    )
    segments = await pc.segment_get()
    assert segments == [{"id": id, "type": "s"} for id in range(10000)]


async def case_answer_at_the_cap_is_read_and_one_byte_over_is_sdk_error():
    """An answer of MAX_ANSWER_BYTES in UTF-8 comes through; a byte more is an SDKError naming
    its size, decided in JavaScript, before the runtime holds the text."""
    envelope = len('{"answered":[{"id":1,"type":""}]}')
    most = (pc.MAX_ANSWER_BYTES - envelope) // 2  # of a 2-byte character
    behave(get="sync", payloadJs=f"return [{{ id: 1, type: 'é'.repeat({most}) }}]")
    [segment] = await pc.segment_get()
    assert segment["type"] == "é" * most
    behave(get="sync", payloadJs=f"return [{{ id: 1, type: 'é'.repeat({most + 1}) }}]")
    error = await raises(pc.SDKError, pc.segment_get())
    assert f"is {envelope + 2 * most + 2} bytes" in str(error), str(error)
    behave(get="sync", payloadJs="return [{ id: 1, type: 'x'.repeat(5 * 1024 * 1024) }]")
    error = await raises(pc.SDKError, pc.segment_get())
    assert "over the bridge's limit" in str(error), str(error)


async def case_contacts_echoed_in_any_spelling_never_reach_a_message():
    """An SDK that throws the email and phone back, re-cased, percent-encoded or regrouped,
    and an error payload holding them: no spelling reaches the SDKError."""
    email, phone = "John.Doe@ExampleStore.com", "+49 151 1234 5678"
    echoes = [
        email.upper(),
        "john.doe%40examplestore.com",
        "JOHN.DOE%40EXAMPLESTORE.COM",
        "4915112345678",
        "+49-151-12345678",
        "0049 (151) 1234-5678",
        "%2B49%20151%2012345678",
        "someone.else@other.example",
    ]
    for echo in echoes:
        behave(get="throw", sendThrows=True, throwMessage=f"refused {echo} today")
        error = await raises(pc.SDKError, pc.segment_add(1, email=email, phone=phone))
        assert "refused [redacted] today" in str(error), str(error)
    # A get sends no contact: what any email address or '+' number looks like is hidden.
    for echo in [
        echo for echo in echoes if "@" in echo or "%40" in echo or "+" in echo or "%2B" in echo
    ]:
        behave(get="sync", payload={"status": "error", "message": f"refused {echo} today"})
        error = await raises(pc.SDKError, pc.segment_get())
        assert "refused [redacted] today" in str(error), str(error)


async def case_cancelled_caller_among_shared_ones():
    """Cancelling one of three callers sharing an SDK call leaves the other two their answer."""
    behave(get="held", payload=SEGMENTS)
    tasks = [asyncio.create_task(pc.segment_get()) for _ in range(3)]
    while not sdk_calls():  # from a worker, the call reaches the page's SDK later
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    tasks[1].cancel()
    window.fakeSdk.release()
    first, cancelled, third = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(cancelled, asyncio.CancelledError), repr(cancelled)
    assert first == third == SEGMENTS
    assert len(sdk_calls()) == 1
    behave(get="sync", payload=SEGMENTS)
    assert await pc.segment_get() == SEGMENTS  # and the next call is served as ever


async def case_concurrent_calls_resolve_with_their_own_answer():
    """200 concurrent fresh calls, answered in reverse order, each get their own answer."""
    behave(get="numbered", delayMs=250)
    results = await asyncio.gather(*(pc.segment_get(fresh=True) for _ in range(200)))
    assert [segments[0]["id"] for segments in results] == list(range(200))


async def case_concurrent_gets_share_one_sdk_call():
    """100 concurrent segment_get, from the module and from other instances, reach the SDK once."""
    behave(get="held", payload=SEGMENTS)
    clients = [pc.PersonaClick() for _ in range(50)]
    calls = [pc.segment_get() for _ in range(50)] + [client.segment_get() for client in clients]
    made = []

    async def made_call(call):
        made.append(call)
        return await call  # makes the call before this task first waits

    # A busy machine may take longer than any set delay to start 100 tasks: the SDK answers once
    # every call is made and the first has reached it (from a worker, a message to the page).
    tasks = [asyncio.create_task(made_call(call)) for call in calls]
    while len(made) < len(calls) or not sdk_calls():
        await asyncio.sleep(0)
    window.fakeSdk.release()
    assert await asyncio.gather(*tasks) == [SEGMENTS] * 100
    assert len(sdk_calls()) == 1, sdk_calls()


async def case_mutating_one_answer_leaves_the_others_intact():
    """Each joined caller gets its own list of its own dicts."""
    behave(get="async", payload=SEGMENTS, delayMs=JOIN_WINDOW_MS)
    first, second, third = await asyncio.gather(*(pc.segment_get() for _ in range(3)))
    first[0]["type"] = "changed"
    first.append({"id": 1, "type": "static"})
    second.clear()
    assert third == SEGMENTS
    assert len(sdk_calls()) == 1


async def case_get_after_add_does_not_join():
    """A get that starts after an add or a remove (from any instance) makes its own SDK call."""
    behave(get="numbered", delayMs=JOIN_WINDOW_MS)
    before = asyncio.create_task(pc.segment_get())
    joined = asyncio.create_task(pc.PersonaClick().segment_get())
    await asyncio.sleep(0.005)
    await pc.PersonaClick().segment_add(100500)
    after_add = asyncio.create_task(pc.segment_get())
    await asyncio.sleep(0.005)
    await pc.segment_remove(100500)
    after_remove = await pc.segment_get()
    assert (await before) == (await joined) == [{"id": 0, "type": "static"}]
    assert [(await after_add)[0]["id"], after_remove[0]["id"]] == [1, 2]
    actions = [call["action"] for call in sdk_calls()]
    assert actions == ["get", "add", "get", "remove", "get"], actions


async def case_short_timeout_leaves_others_waiting():
    """A joined caller's short timeout ends its own wait only; the others get the answer."""
    behave(get="async", payload=SEGMENTS, delayMs=100)
    long_wait, short_wait, other = await asyncio.gather(
        pc.segment_get(timeout=2),
        pc.segment_get(timeout=0.01),
        pc.segment_get(timeout=2),
        return_exceptions=True,
    )
    assert isinstance(short_wait, pc.SDKTimeoutError) and short_wait.timeout == 0.01
    assert long_wait == other == SEGMENTS
    assert len(sdk_calls()) == 1


async def case_sdk_error_reaches_every_joined_caller():
    """An error answer raises SDKError in every joined caller, a distinct instance each."""
    behave(get="async", payload={"status": "error", "message": "no shop"}, delayMs=JOIN_WINDOW_MS)
    errors = await asyncio.gather(*(pc.segment_get() for _ in range(3)), return_exceptions=True)
    for error in errors:
        assert isinstance(error, pc.SDKError) and "no shop" in str(error), repr(error)
    assert errors[0] is not errors[1] and errors[1] is not errors[2] and errors[0] is not errors[2]
    assert len(sdk_calls()) == 1


async def case_fresh_always_calls_the_sdk():
    """fresh=True makes its own SDK call each time; a later plain call may share the freshest."""
    behave(get="numberedHeld")
    first = asyncio.create_task(pc.segment_get())
    fresh = [asyncio.create_task(pc.segment_get(fresh=True)) for _ in range(3)]
    while len(sdk_calls()) < 4:  # the SDK holds their answers until release()
        await asyncio.sleep(0)
    joined = asyncio.create_task(pc.segment_get())  # made while the freshest call waits
    await asyncio.sleep(0)
    window.fakeSdk.release()
    joined = await joined
    ids = []
    for task in [first] + fresh:
        ids.append((await task)[0]["id"])
    ids.append(joined[0]["id"])
    assert ids == [0, 1, 2, 3, 3], ids
    assert len(sdk_calls()) == 4


async def case_call_nobody_waits_for_is_not_joined():
    """Once every caller of an SDK call has timed out, a newcomer makes a new call."""
    behave(get="numbered", delayMs=100)
    await raises(pc.SDKTimeoutError, pc.segment_get(timeout=0.01))
    assert await pc.segment_get() == [{"id": 1, "type": "static"}]
    assert len(sdk_calls()) == 2


async def case_blocked_sdk_is_not_loaded_error():
    """With the loader stub in place and no SDK script, add/remove return once queued and a
    get still queued at its timeout raises SDKNotLoadedError saying the script did not load."""
    window.fakeSdk.installStub()
    assert await pc.segment_add(1) is None
    assert await pc.segment_remove(1) is None
    errors = await asyncio.gather(
        pc.segment_get(timeout=SHORT), pc.segment_get(timeout=0.08), return_exceptions=True
    )
    for error in errors:
        assert type(error) is pc.SDKNotLoadedError, repr(error)
        text = str(error)
        assert "did not load" in text and "blocked" in text and "unreachable" in text, text
    assert [error.timeout for error in errors] == [SHORT, 0.08]


async def case_sdk_that_took_the_call_and_stays_silent_is_a_timeout():
    """A get replayed from the stub's queue by an SDK that never answers is SDKTimeoutError."""
    behave(get="never")
    window.fakeSdk.installStub()
    pending = asyncio.create_task(pc.segment_get(timeout=0.5))
    # Arrive as soon as the call is queued: a fixed sleep in a worker can outlast the timeout.
    while window.fakeSdk.queuedCount() == 0:
        await asyncio.sleep(0.005)
    window.fakeSdk.arrive()
    await raises(pc.SDKTimeoutError, pending)


async def case_no_leaks_over_thousands_of_calls():
    """Calls ending in success, timeout and error leave nothing behind but what any await of JS
    leaves until JS collects: each round of the bridge grows memory no more than bare awaits do.

    MicroPython's own await of a promise keeps a few bytes (about 16 an await, in the runtime),
    so the same number of bare promise awaits, in rounds taking turns with the bridge's, is that
    floor; a leak raises every round of the bridge above it.
    """

    async def bridge_round():
        # Few configures: from a worker each one blocks on the page for a millisecond or more.
        behave(get="microtask", payload=SEGMENTS)
        for index in range(ANSWERED_GETS):
            assert await pc.segment_get() == SEGMENTS
            if index % ADD_EVERY == 0:
                await pc.segment_add(index + 1, email="ann@example.com")
        behave(get="mixed", payload=SEGMENTS, throwMessage="boom")
        for _ in range(MIXED_TURNS):  # the SDK answers, stays silent, errs, then throws
            await pc.segment_get()
            await raises(pc.SDKTimeoutError, pc.segment_get(timeout=0.001))
            await raises(pc.SDKError, pc.segment_get())
            await raises(pc.SDKError, pc.segment_get())
        window.fakeSdk.uninstall()
        for _ in range(NOT_LOADED_GETS):
            await raises(pc.SDKNotLoadedError, pc.segment_get())

    async def floor_round():
        for _ in range(ROUND_AWAITS):
            await bare_promise()

    growth = {bridge_round: [], floor_round: []}
    for run in (bridge_round, floor_round):  # warm-up: caches and tables reach working size
        await run()
    for _ in range(ROUNDS):
        for run in (bridge_round, floor_round):
            before, allowance = await live_memory()
            await run()
            growth[run].append((await live_memory())[0] - before)
    bridge, floor = sorted(growth[bridge_round]), growth[floor_round]
    assert bridge[ROUNDS // 2] < max(floor) + allowance, f"bridge {bridge}, bare awaits {floor}"
