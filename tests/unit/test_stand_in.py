"""personaclick_bridge.testing's stand-in PersonaClick, and one table of scenarios that it and the
bridge's real JavaScript edge must answer alike.

Each scenario (calls, a fault, the outcomes expected) runs twice through the module's own
segment_add, segment_remove and segment_get: once against the stand-in, once against the real
edge in Node.js (tests/doubles/node_edge.py) with the browser tests' scripted SDK set up for the
same fault. The outcomes (values, or exceptions with their messages and attributes), the calls
that reached the edge and the calls the SDK took must be equal, and as the table says.
"""

import asyncio
import json
import re
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from doubles.node_edge import NodeEdge
from test_bridge_python import run_loop

import personaclick_bridge as pc
import personaclick_bridge_testing as testing
from personaclick_bridge_testing import Call, StandIn

ROOT = Path(__file__).resolve().parents[2]
DYNAMIC = {"id": 314, "type": "dynamic"}
SEGMENTS = [{"id": 313, "type": "static"}, DYNAMIC]
JOINED = [*SEGMENTS, {"id": 100500, "type": "static"}]
EMAIL = "ann.lee@example.com"


# The table's vocabulary: calls, the test's steps between them, and the outcomes expected.


def get(**kwargs):
    return ("get", (), {"timeout": 2, **kwargs})


def add(segment_id, **kwargs):
    return ("add", (segment_id,), kwargs)


def remove(segment_id, **kwargs):
    return ("remove", (segment_id,), kwargs)


RELEASE = "release"  # PersonaClick answers the held gets
ARRIVE = "arrive"  # the blocked SDK script loads at last


@dataclass(frozen=True)
class Settled:
    """Wait until call number ``index`` has ended."""

    index: int


@dataclass(frozen=True)
class Raised:
    """An exception of this class, whose message contains ``text``."""

    error: type
    text: str


NOT_ON_PAGE = Raised(pc.SDKNotLoadedError, "window.personaclick is not a function")
TIMED_OUT = Raised(pc.SDKTimeoutError, "did not answer segment_get within 0.05 s")
BLOCKED = Raised(pc.SDKNotLoadedError, "segment_get waited 0.05 s in the queue")


@dataclass(frozen=True)
class Scenario:
    """Calls made through the bridge, all started at once and in order unless a step waits;
    the stand-in's fault, latency (of gets) and held kinds; each call's outcome; the kinds of
    the calls the SDK took; what PersonaClick answers each get the SDK takes (the stand-in
    reaches them from its segments, the real edge's scripted SDK is given them)."""

    name: str
    steps: tuple
    expected: tuple
    sdk_calls: tuple = ()
    fault: tuple = ()  # the arguments of StandIn.fault: (name, {options})
    latency: float = 0
    hold: tuple = ()
    answers: tuple = (SEGMENTS,)


def scenario(name, steps, expected, sdk_calls=(), **setup):
    return pytest.param(Scenario(name, tuple(steps), tuple(expected), tuple(sdk_calls), **setup))


# 1,000 UTF-16 units end with "truncated" (the emoji takes two): the cut drops that word.
LONG_ERROR = "😀" + "x" * 988 + f" truncated {EMAIL} +49 151 12345678" + " and more" * 200
OVERSIZED = [{"id": 100000 + index, "type": "static"} for index in range(14000)]

SCENARIOS = [
    scenario("a get answers the visitor's segments", [get()], [SEGMENTS], ["get"]),
    scenario(
        "an add returns once the SDK has it, and the segment counts",
        [add(100500), get()],
        [None, JOINED],
        ["add", "get"],
        answers=(JOINED,),
    ),
    scenario(
        "an add of a member changes nothing", [add("313"), get()], [None, SEGMENTS], ["add", "get"]
    ),
    scenario(
        "a remove takes the visitor out of a static segment",
        [remove(313), get()],
        [None, [DYNAMIC]],
        ["remove", "get"],
        answers=([DYNAMIC],),
    ),
    scenario(
        "a remove of a non-member changes nothing",
        [remove(100500), get()],
        [None, SEGMENTS],
        ["remove", "get"],
    ),
    scenario(
        "adds and removes leave a dynamic segment alone",
        [remove(314), add(314), get()],
        [None, None, SEGMENTS],
        ["remove", "add", "get"],
    ),
    scenario(
        "ids and contacts reach the SDK as it takes them",
        [add(" vip ", email=f" {EMAIL} ", phone="+49 (151) 1234-5678"), get()],
        [None, [*SEGMENTS, {"id": "vip", "type": "static"}]],
        ["add", "get"],
        answers=([*SEGMENTS, {"id": "vip", "type": "static"}],),
    ),
    scenario(
        "a refused argument reaches nothing",
        [add(0), get(timeout=0)],
        [Raised(pc.ArgumentValueError, "segment_id"), Raised(pc.ArgumentValueError, "timeout")],
    ),
    scenario(
        "no SDK on the page",
        [get(), add(1), remove(1)],
        [NOT_ON_PAGE] * 3,
        fault=("no_sdk", {}),
    ),
    scenario(
        "a call on another global finds no SDK",
        [get(global_name="r46")],
        [Raised(pc.SDKNotLoadedError, "window.r46 is not a function")],
    ),
    scenario(
        "the SDK script is blocked: an add returns, a get ends at its timeout",
        [add(100500), get(timeout=0.05)],
        [None, BLOCKED],
        fault=("blocked", {}),
    ),
    scenario(
        "a blocked SDK that arrives takes what its loader queued",
        [add(100500), get(), ARRIVE],
        [None, JOINED],
        ["add", "get"],
        fault=("blocked", {}),
        answers=(JOINED,),
    ),
    scenario(
        "no answer: a get ends at its timeout",
        [get(timeout=0.05)],
        [TIMED_OUT],
        ["get"],
        fault=("no_answer", {"on": "get"}),
    ),
    scenario(
        "no answer to an add: it returns, and nothing changes",
        [add(100500), get()],
        [None, SEGMENTS],
        ["add", "get"],
        fault=("no_answer", {"on": "add"}),
    ),
    scenario(
        "the SDK throws on a get",
        [get()],
        [Raised(pc.SDKError, "personaclick('segment', 'get') threw: kaput")],
        ["get"],
        fault=("throws", {"on": "get", "message": "kaput"}),
    ),
    scenario(
        "the SDK throws on add and remove",
        [add(1), remove(1)],
        [
            Raised(pc.SDKError, "personaclick('segment', 'add') threw: quota"),
            Raised(pc.SDKError, "personaclick('segment', 'remove') threw: quota"),
        ],
        ["add", "remove"],
        fault=("throws", {"on": ("add", "remove"), "message": "quota"}),
    ),
    scenario(
        "the contacts in an SDK's error are redacted",
        [add(1, email=EMAIL, phone="+49 151 12345678")],
        [Raised(pc.SDKError, "threw: rejected [redacted] and [redacted]")],
        ["add"],
        fault=("throws", {"on": "add", "message": f"rejected {EMAIL} and 4915112345678"}),
    ),
    scenario(
        "a long SDK error is cut before the word the cut falls in",
        [get()],
        [Raised(pc.SDKError, "threw: 😀" + "x" * 988 + "…")],
        ["get"],
        fault=("throws", {"on": "get", "message": LONG_ERROR}),
    ),
    scenario(
        "PersonaClick answers an error",
        [get()],
        [Raised(pc.SDKError, "PersonaClick answered with an error: Shop is inactive")],
        ["get"],
        fault=("error", {"message": "Shop is inactive"}),
    ),
    scenario(
        "a malformed answer",
        [get()],
        [Raised(pc.SDKError, "PersonaClick answered with an object, not a list of segments")],
        ["get"],
        fault=("malformed", {"payload": {"status": "success"}}),
    ),
    scenario(
        "a segment without a type",
        [get()],
        [Raised(pc.SDKError, "segment 0 in PersonaClick's answer has no 'type'")],
        ["get"],
        fault=("malformed", {"payload": [{"id": 313}]}),
    ),
    scenario(
        "a digit-string id, a whole float and NaN arrive as JSON.stringify writes them",
        [get()],
        [[{"id": 313, "type": "static", "rank": 2, "score": None}]],
        ["get"],
        fault=(
            "malformed",
            {"payload": [{"id": "313", "type": "static", "rank": 2.0, "score": float("nan")}]},
        ),
    ),
    scenario(
        "an answer over MAX_ANSWER_BYTES",
        [get()],
        [Raised(pc.SDKError, "answer is 420014 bytes of JSON, over the bridge's limit")],
        ["get"],
        fault=("oversized", {"payload": OVERSIZED}),
    ),
    scenario("latency within the timeout", [get()], [SEGMENTS], ["get"], latency=0.05),
    scenario("latency past the timeout", [get(timeout=0.05)], [TIMED_OUT], ["get"], latency=1.0),
    scenario(
        "concurrent gets share one SDK call, across instances",
        [get(), get(), get(global_name="personaclick"), RELEASE],
        [SEGMENTS] * 3,
        ["get"],
        hold=("get",),
    ),
    scenario(
        "a get after an add never shares a call that began before it",
        [get(), add(100500), get(), RELEASE],
        [SEGMENTS, None, JOINED],
        ["get", "add", "get"],
        hold=("get",),
        answers=(SEGMENTS, JOINED),
    ),
    scenario(
        "a short timeout ends only its own wait",
        [get(), get(timeout=0.05), get(), Settled(1), RELEASE],
        [SEGMENTS, TIMED_OUT, SEGMENTS],
        ["get"],
        hold=("get",),
    ),
    scenario(
        "a call that nobody waits for any more is not shared",
        [get(timeout=0.05), Settled(0), get()],
        [TIMED_OUT, SEGMENTS],
        ["get", "get"],
        latency=0.3,
    ),
    scenario(
        "fresh makes its own SDK call, and a later get shares one",
        [get(), get(fresh=True), get(), RELEASE],
        [SEGMENTS] * 3,
        ["get", "get"],
        hold=("get",),
    ),
    scenario(
        "an add counts once PersonaClick has applied it",
        [add(100500), get(), Settled(1), RELEASE, get()],
        [None, SEGMENTS, JOINED],
        ["add", "get", "get"],
        hold=("add",),
        answers=(SEGMENTS, JOINED),
    ),
]


def bridge_call(kind, args, kwargs):
    """The widget's call: the module's function, or a PersonaClick's method for a global."""
    kwargs = dict(kwargs)
    global_name = kwargs.pop("global_name", None)
    target = pc if global_name is None else pc.PersonaClick(global_name)
    return getattr(target, f"segment_{kind}")(*args, **kwargs)


def outcome(result):
    """A call's result, or its exception's class, message and attributes."""
    if not isinstance(result, BaseException):
        return result
    attributes = {
        name: getattr(result, name)
        for name in ("argument", "global_name", "timeout")
        if hasattr(result, name)
    }
    return (type(result).__name__, str(result), attributes)


async def play(steps, release, arrive):
    """Make the scenario's calls and take its steps; return each call's outcome."""
    tasks = []
    for step in steps:
        if step in (RELEASE, ARRIVE):
            await asyncio.sleep(0)  # every call started so far has reached the edge
            (release if step == RELEASE else arrive)()
        elif isinstance(step, Settled):
            await asyncio.wait([tasks[step.index]])
        else:
            tasks.append(asyncio.ensure_future(bridge_call(*step)))
    return [outcome(r) for r in await asyncio.gather(*tasks, return_exceptions=True)]


def on_the_stand_in(case):
    """The outcomes, the calls recorded and the SDK's calls, against the stand-in."""
    with StandIn(SEGMENTS) as stand_in:
        if case.fault:
            name, options = case.fault
            stand_in.fault(name, **options)
        if case.latency:
            stand_in.latency(case.latency, on="get")
        if case.hold:
            stand_in.hold(on=case.hold)
        outcomes = run_loop(play(case.steps, stand_in.release, stand_in.clear))
    return outcomes, stand_in.calls, stand_in.sdk_calls


def scripted_sdk(case):
    """The browser tests' scripted SDK (fake_sdk.js) set up for the scenario's fault: its
    behaviour, and the commands that change the page (no SDK, or only its loader stub)."""
    name, options = case.fault or (None, {})
    kinds = options.get("on", ("add", "remove", "get"))
    answers = list(case.answers)
    behaviour = {"get": "held" if "get" in case.hold else "async", "delayMs": case.latency * 1000}
    commands = {"no_sdk": ["uninstall"], "blocked": ["installStub"]}.get(name, [])
    if name == "no_answer" and "get" in kinds:
        behaviour["get"] = "never"  # a failed add or remove: the scripted SDK keeps no state
    if name == "throws":
        behaviour["throwMessage"] = options["message"]
        behaviour["get"] = "throw" if "get" in kinds else behaviour["get"]
        behaviour["sendThrows"] = "add" in kinds or "remove" in kinds
    if name == "error":
        answers = [{"status": "error", "message": options["message"]}]
    if name in ("malformed", "oversized"):
        answers = [options["payload"]]
    # Each get the SDK takes is answered with the next answer, the last one from then on.
    behaviour["payloadJs"] = (
        f"const answers = {json.dumps(answers)};"
        "globalThis.answered = (globalThis.answered ?? -1) + 1;"
        "return answers[Math.min(globalThis.answered, answers.length - 1)];"
    )
    return behaviour, commands


def on_the_real_edge(case, monkeypatch):
    """The outcomes, the calls that reached the edge and the SDK's calls, against the module's
    real JavaScript edge in Node.js."""
    node = NodeEdge()
    try:
        behaviour, commands = scripted_sdk(case)
        node.behave(**behaviour)
        for command in commands:
            node.fake_sdk(command)
        calls = []

        def send(global_name, action, params):
            if global_name == "personaclick":
                calls.append(Call(action, json.loads(params)))
            return node.send(global_name, action, params)

        def get(global_name, timeout_ms, fresh):
            if global_name == "personaclick":
                params = {"timeout": timeout_ms / 1000} | ({"fresh": True} if fresh else {})
                calls.append(Call("get", params))
            return node.get(global_name, timeout_ms, fresh)

        monkeypatch.setattr(pc, "_send_function", send)
        monkeypatch.setattr(pc, "_get_function", get)
        release, arrive = (lambda: node.fake_sdk("release")), (lambda: node.fake_sdk("arrive"))
        outcomes = run_loop(play(case.steps, release, arrive))
        sdk_calls = [
            Call(call["action"], json.loads(call.get("params", "{}")))
            for call in json.loads(node.fake_sdk("callsJson"))
        ]
    finally:
        node.close()
    return outcomes, calls, sdk_calls


def matches(outcome, expected):
    if isinstance(expected, Raised):
        return (
            isinstance(outcome, tuple)
            and outcome[0] == expected.error.__name__
            and expected.text in outcome[1]
        )
    return outcome == expected


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda case: case.name)
def test_the_stand_in_answers_as_the_real_edge(case, monkeypatch):
    """A widget's calls end alike against the stand-in and against the page's real edge: the
    same values, the same exceptions with the same messages, the same calls recorded, the same
    calls reaching the SDK; and as the scenario says."""
    stand_in = on_the_stand_in(case)
    real_edge = on_the_real_edge(case, monkeypatch)
    assert stand_in == real_edge
    outcomes, calls, sdk_calls = stand_in
    assert len(outcomes) == len(case.expected)
    for number, (got, expected) in enumerate(zip(outcomes, case.expected, strict=True)):
        assert matches(got, expected), (number, got)
    assert [call.kind for call in sdk_calls] == list(case.sdk_calls)
    made = [step for step in case.steps if isinstance(step, tuple)]
    reached = [
        kind
        for (kind, _, kwargs), expected in zip(made, case.expected, strict=True)
        if kwargs.get("global_name", "personaclick") == "personaclick"
        and not (isinstance(expected, Raised) and expected.error.__name__.startswith("Argument"))
    ]
    assert [call.kind for call in calls] == reached  # every call but the refused ones


def test_the_table_covers_every_fault():
    """Every fault the stand-in offers, latency and holding run against the real edge."""
    faults = {case.values[0].fault[0] for case in SCENARIOS if case.values[0].fault}
    assert faults == set(testing._FAULTS)
    assert any(case.values[0].latency for case in SCENARIOS)
    assert {kind for case in SCENARIOS for kind in case.values[0].hold} == {"add", "get"}


def test_the_unit_tests_take_the_bridge_and_the_kit_from_the_source():
    """personaclick_bridge here is the top-level source file, whatever is installed, and the
    kit drives that very module: the wheel's plugin is kept out of this repository's sessions."""
    assert Path(pc.__file__) == ROOT / "personaclick_bridge.py"
    assert Path(testing.__file__) == ROOT / "personaclick_bridge_testing.py"
    assert testing._bridge is pc
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "-p no:personaclick_bridge" in settings["tool"]["pytest"]["ini_options"]["addopts"]
    entry_points = settings["project"]["entry-points"]["pytest11"]
    assert entry_points == {"personaclick_bridge": "personaclick_bridge.testing"}


def test_outside_pyscript_a_call_says_where_the_bridge_runs(monkeypatch):
    """With no PyScript and no stand-in, every call raises a RuntimeError that names the
    PyScript page and the testing kit, not ModuleNotFoundError; a refusal comes first."""
    monkeypatch.setattr(pc, "_send_function", None)
    monkeypatch.setattr(pc, "_get_function", None)
    for call in (lambda: pc.segment_add(1), lambda: pc.segment_remove(1), pc.segment_get):
        with pytest.raises(RuntimeError) as raised:
            run_loop(call())
        assert type(raised.value) is RuntimeError
        assert "PyScript page" in str(raised.value), str(raised.value)
        assert "personaclick_bridge.testing" in str(raised.value), str(raised.value)
    with pytest.raises(pc.ArgumentValueError):
        run_loop(pc.segment_add(0))
    with StandIn(SEGMENTS):
        assert run_loop(pc.segment_get()) == SEGMENTS


def test_a_fresh_interpreter_outside_pyscript_gets_the_runtime_error():
    """The plain CPython case, as a storefront team first meets it."""
    code = "import asyncio, personaclick_bridge as pc; asyncio.run(pc.segment_get())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=False, capture_output=True, text=True
    )
    assert "RuntimeError: personaclick_bridge calls PersonaClick's SDK from a PyScript" in (
        result.stderr
    ), result.stderr
    assert "ModuleNotFoundError" not in result.stderr, result.stderr


def test_the_fixture_stands_in_for_the_test(personaclick):
    """The personaclick fixture is a StandIn installed for the test: no segments, no faults."""
    assert isinstance(personaclick, StandIn)
    assert run_loop(pc.segment_get()) == []
    run_loop(pc.segment_add(100500))
    assert personaclick.segments == [{"id": 100500, "type": "static"}]
    assert personaclick.calls == [("get", {"timeout": 10.0}), ("add", {"segment_id": 100500})]


def test_a_stand_in_in_a_with_block_puts_back_what_was_there():
    """Installing saves the module's two paths and uninstalling restores them, nested too."""
    before = pc._send_function, pc._get_function
    with StandIn(SEGMENTS) as outer:
        with StandIn() as inner:
            assert run_loop(pc.segment_get()) == []
            with pytest.raises(RuntimeError, match="installed already"):
                inner.install()
        assert run_loop(pc.segment_get()) == SEGMENTS
        assert [call.kind for call in outer.calls] == ["get"]
    assert (pc._send_function, pc._get_function) == before


def test_times_limits_a_fault_to_the_next_sdk_calls():
    """A fault with times=1 spoils the next call of its kind that reaches the SDK, then ends:
    the widget's retry gets the segments."""

    async def with_retry():
        try:
            return await pc.segment_get(timeout=5)
        except pc.SDKTimeoutError:
            return await pc.segment_get(timeout=5)

    with StandIn(SEGMENTS, speed=1000) as stand_in:
        stand_in.fault("no_answer", on="get", times=1)
        assert run_loop(with_retry()) == SEGMENTS
    assert stand_in.sdk_calls == [("get", {}), ("get", {})]


def test_speed_shortens_the_waits_but_not_what_the_errors_say():
    """At speed 100 a 5 s timeout ends in 50 ms, and the error still says 5 s."""
    with StandIn(speed=100) as stand_in:
        stand_in.fault("blocked")
        started = time.monotonic()
        with pytest.raises(pc.SDKNotLoadedError, match="waited 5 s") as raised:
            run_loop(pc.segment_get(timeout=5))
    assert time.monotonic() - started < 4 and raised.value.timeout == 5


@pytest.mark.parametrize(
    "fault, text",
    [
        ("malformed", "answered with an object, not a list of segments"),
        ("oversized", "answer is 420014 bytes of JSON, over the bridge's limit of 393216"),
        ("error", "answered with an error: the stand-in's fault"),
        ("throws", "personaclick('segment', 'get') threw: the stand-in's fault"),
    ],
)
def test_the_default_spoilt_answers(fault, text):
    """Without a payload or a message, each fault still ends a get in its SDKError."""
    with StandIn(SEGMENTS) as stand_in:
        stand_in.fault(fault)
        with pytest.raises(pc.SDKError, match=re.escape(text)):
            run_loop(pc.segment_get())


def test_latency_delays_an_adds_effect_not_its_return():
    """An add returns at once, as the SDK's does; PersonaClick applies it after the latency."""
    with StandIn(SEGMENTS) as stand_in:
        stand_in.latency(60, on="add")
        assert run_loop(pc.segment_add(100500)) is None
        assert stand_in.segments == SEGMENTS  # not yet applied
    with StandIn(SEGMENTS) as stand_in:
        stand_in.latency(0.01, on="add")
        run_loop(pc.segment_add(100500))
        time.sleep(0.05)
        assert stand_in.segments == JOINED


def test_a_stand_in_serves_one_event_loop_after_another():
    """A test may run the widget in asyncio.run more than once: a get never joins a call of a
    loop that has ended, whose answer would never come."""
    with StandIn(SEGMENTS, speed=10) as stand_in:
        stand_in.latency(1, on="get")
        with pytest.raises(TimeoutError):
            asyncio.run(asyncio.wait_for(pc.segment_get(), 0.01))
        assert asyncio.run(pc.segment_get(timeout=5)) == SEGMENTS
    assert len(stand_in.sdk_calls) == 2


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda s: s.fault("unplugged"), ValueError),
        (lambda s: s.fault("malformed", on="add"), ValueError),
        (lambda s: s.fault("blocked", times=2), ValueError),
        (lambda s: s.fault("no_answer", times=0), ValueError),
        (lambda s: s.fault("no_answer", on="put"), ValueError),
        (lambda s: s.fault("malformed", payload={1, 2}), TypeError),
        (lambda s: s.latency(-1), ValueError),
        (lambda s: setattr(s, "segments", [{"id": 1.5, "type": "static"}]), TypeError),
        (lambda s: setattr(s, "segments", [{"id": 1}]), TypeError),
        (lambda s: StandIn(speed=0), ValueError),
        (lambda s: StandIn(global_name=""), ValueError),
    ],
)
def test_the_stand_ins_own_arguments_are_checked(change, error):
    """A test that scripts the stand-in wrongly is told so at once."""
    with pytest.raises(error):
        change(StandIn())
