"""Property-based tests of the bridge in CPython: arbitrary arguments and arbitrary SDK answers.

The JavaScript edge is the recorder of test_bridge_python.py, answering with the JSON outcomes
the real edge produces.
"""

import contextlib
import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from test_bridge_python import RecordingEdge, run

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
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@contextlib.contextmanager
def recording_edge(outcome=None):
    """The recorder as the bridge's edge for one example (Hypothesis runs no fixture per one)."""
    edge = RecordingEdge(outcome)
    saved, pc._edge = pc._edge, lambda: (edge.send, edge.get)
    try:
        yield edge
    finally:
        pc._edge = saved


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
    result = get_outcome({"answer": json.loads(json.dumps(answer))})
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
        {"answer": {"status": "error", "message": text}},
        {"answer": {"status": "error", "payload": {"message": text}}},
        {"answer": [{"id": [text], "type": "static"}]},
    ]
    for outcome in outcomes:
        message = str(get_outcome(outcome))
        assert email not in message and email.lower() not in message.lower(), message
        assert international.strip() not in message, message
