"""Property-based tests of the bridge in CPython: arbitrary arguments and arbitrary SDK answers.

Each property runs twice: against the recorder of test_bridge_python.py, which answers with the
JSON outcomes the real edge produces, and across the module's real JavaScript edge in Node.js,
against the scripted SDK of the browser tests.
"""

import contextlib
import json
import string

import pytest
from doubles.node_edge import NodeEdge
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bridge_python import RecordingEdge, run, run_loop

import personaclick_bridge as pc

emails = st.emails()
# Phone numbers as shoppers type them: 7 to 15 digits in groups, maybe after a '+'.
phones = st.builds(
    lambda plus, digits, gap, size: (
        plus + gap.join(digits[start : start + size] for start in range(0, len(digits), size))
    ),
    st.sampled_from(["", "+", " +"]),
    st.text(string.digits, min_size=7, max_size=15),
    st.sampled_from([" ", "-", ".", ""]),
    st.integers(1, 5),
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    emails,
    phones,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@contextlib.contextmanager
def edge_functions(send, get):
    """send and get as the bridge's two paths to the SDK, until the block ends."""
    saved = pc._send_function, pc._get_function
    pc._send_function, pc._get_function = send, get
    try:
        yield
    finally:
        pc._send_function, pc._get_function = saved


@contextlib.contextmanager
def recording_edge(outcome=None):
    """The recorder as the bridge's edge for one example (Hypothesis runs no fixture per one)."""
    edge = RecordingEdge(outcome)
    with edge_functions(edge.send, edge.get):
        yield edge


def contacts_in(*values):
    """The emails and phone numbers among values, as a message must never show them."""
    found = []
    for value in values:
        if not isinstance(value, str):
            continue
        digits = "".join(c for c in value if c in string.digits)
        if "@" in value and "." in value.partition("@")[2]:
            found.append(value.strip())
        elif len(digits) >= 7 and set(value) <= set(string.digits + " +-.()"):
            found.append(digits)
    return found


@settings(max_examples=300)  # one draw in several is valid: enough of them must reach the SDK
@given(
    segment_id=st.integers(1, 2**53 - 1) | st.text(string.ascii_letters + " ") | anything,
    email=st.none() | emails | anything,
    phone=st.none() | phones | anything,
)
def test_add_sends_the_normal_form_or_refuses_before_sending(segment_id, email, phone):
    """Any arguments: one call with normalised values, or a TypeError/ValueError and no call,
    whose message shows no email or phone."""
    with recording_edge() as edge:
        try:
            run(pc.segment_add(segment_id, email=email, phone=phone))
        except (TypeError, ValueError) as error:
            assert edge.calls == []
            text = str(error)
            for contact in contacts_in(segment_id, email, phone):
                assert contact not in text, text
            return
    [(_, action, params)] = edge.calls
    assert action == "add"
    expected_id = segment_id.strip() if isinstance(segment_id, str) else segment_id
    assert params["segment_id"] == expected_id
    assert params.get("email") == (email.strip() if email is not None else None)
    if phone is not None:
        assert params["phone"] == "+" + "".join(c for c in phone if c in string.digits)
    else:
        assert "phone" not in params


def get_outcome(outcome):
    """segment_get answered with outcome: its segments, or the SDKError it raised."""
    with recording_edge(outcome):
        try:
            return run(pc.segment_get())
        except pc.SDKError as error:
            return error


@given(json_values)
def test_any_json_answer_is_segments_or_sdk_error(answer):
    """Whatever JSON the SDK passes, segment_get returns a list of dicts or raises SDKError."""
    result = get_outcome({"answered": json.loads(json.dumps(answer))})
    if not isinstance(result, pc.SDKError):
        assert isinstance(result, list) and all(type(segment) is dict for segment in result)
        assert all(isinstance(segment["id"], (int, str)) for segment in result)


@given(
    st.text(),
    emails,
    phones,
    st.text(),
)
def test_no_contact_in_sdk_text_survives_into_a_message(before, email, phone, after):
    """Contacts in SDK error text, error payload messages and payloads never reach a message."""
    international = "+" + phone.lstrip(" +")
    text = f"{before} {email} {international} {after}"
    outcomes = [
        {"threw": text},
        {"unreadable": text},
        {"answered": {"status": "error", "message": text}},
        {"answered": {"status": "error", "payload": {"message": text}}},
        {"answered": [{"id": [text], "type": "static"}]},
    ]
    for outcome in outcomes:
        message = str(get_outcome(outcome))
        assert email not in message and email.lower() not in message.lower(), message
        assert international.strip() not in message, message


@pytest.fixture(scope="module")
def node():
    """One Node.js edge for every example: a process a test, not one an example."""
    edge = NodeEdge()
    yield edge
    edge.close()


@contextlib.contextmanager
def node_edge(node, **behaviour):
    """The Node.js edge as the bridge's edge for one example, its SDK set to behaviour."""
    node.behave(**behaviour)
    with edge_functions(node.send, node.get):
        yield node


def node_result(coroutine):
    """What a bridge call across the Node.js edge ended with: its value or its exception."""
    try:
        return run_loop(coroutine)
    except Exception as error:  # noqa: BLE001 (the property names the exceptions it allows)
        return error


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_any_json_answer_across_the_js_edge_is_segments_or_sdk_error(node, answer):
    """Whatever JSON the SDK hands the real edge, segment_get returns dicts or raises SDKError."""
    with node_edge(node, get="sync", payload=answer):
        result = node_result(pc.segment_get())
    if not isinstance(result, pc.SDKError):
        assert isinstance(result, list) and all(type(segment) is dict for segment in result)


@settings(max_examples=100, deadline=None)
@given(
    segment_id=st.integers(1, 2**53 - 1) | st.text(string.ascii_letters + " ") | anything,
    email=st.none() | emails | anything,
    phone=st.none() | phones | anything,
)
def test_add_across_the_js_edge_reaches_the_sdk_in_normal_form_or_not_at_all(
    node, segment_id, email, phone
):
    """The SDK receives exactly the params the recorder saw: one plain object, or nothing."""
    with recording_edge() as recorded:
        expected = node_result(pc.segment_add(segment_id, email=email, phone=phone))
    with node_edge(node, get="sync"):
        result = node_result(pc.segment_add(segment_id, email=email, phone=phone))
        sent = json.loads(node.fake_sdk("callsJson"))
    assert type(result) is type(expected) and str(result) == str(expected)
    assert [json.loads(call["params"]) for call in sent] == [p for _, _, p in recorded.calls]
    assert all(call["plainObject"] for call in sent)


@settings(max_examples=100, deadline=None)
@given(st.text(), emails, phones, st.text())
def test_no_contact_in_sdk_text_across_the_js_edge_survives(node, before, email, phone, after):
    """Contacts in what the SDK throws, in its error payloads and in text JSON cannot carry
    never reach a message, in add, remove or get."""
    international = "+" + phone.lstrip(" +")
    text = json.dumps(f"{before} {email} {international} {after}")
    behaviours = [
        dict(get="throw", sendThrows=True, throwJs=f"return new Error({text})"),
        dict(get="sync", payloadJs=f"return {{ status: 'error', message: {text} }}"),
        dict(get="sync", payloadJs=f"return {{ toJSON() {{ throw new Error({text}); }} }}"),
        dict(get="sync", payloadJs=f"return [{{ id: [{text}], type: 'static' }}]"),
    ]
    for behaviour in behaviours:
        with node_edge(node, **behaviour):
            results = [
                node_result(pc.segment_add(1, email=email, phone=phone)),
                node_result(pc.segment_get()),
            ]
        for result in results:
            message = str(result)
            assert email.lower() not in message.lower(), message
            assert international.strip() not in message, message
