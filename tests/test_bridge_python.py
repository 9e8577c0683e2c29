"""The plain-Python parts of the bridge in CPython: validation, conversion and error mapping.

The JavaScript edge is replaced by a recorder that answers with the JSON outcomes the real
edge produces; the edge itself is covered in the browser (test_bridge_in_browser.py).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

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

    def get(self, global_name, timeout_ms):
        self.calls.append((global_name, "get", timeout_ms))

        async def answer():
            return json.dumps(self.outcome)

        return answer()


@pytest.fixture
def edge(monkeypatch):
    recorder = RecordingEdge()
    monkeypatch.setattr(pc, "_edge", lambda: (recorder.send, recorder.get))
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
            "DEFAULT_TIMEOUT",
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
    assert edge.calls == []


@pytest.mark.parametrize("field", ["email", "phone"])
def test_personal_fields_of_the_wrong_type_raise_type_error_without_value(edge, field):
    """A non-string email/phone is a TypeError that shows the type, not the value."""
    with pytest.raises(TypeError, match=field) as raised:
        run(pc.segment_add(1, **{field: 4915112345678}))
    assert "4915112345678" not in str(raised.value)
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
    with pytest.raises(error, match="timeout"):
        run(pc.segment_get(timeout=timeout))
    with pytest.raises(error, match="timeout"):
        pc.PersonaClick(timeout=timeout)
    assert edge.calls == []


def test_timeout_reaches_the_edge_in_milliseconds(edge):
    """A call's timeout, else the instance's, is handed to JS in milliseconds."""
    edge.outcome = {"answer": []}
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
    with pytest.raises(error, match="global_name"):
        pc.PersonaClick(name)


@pytest.mark.parametrize(
    "outcome, error, text",
    [
        ({"missing": True}, pc.SDKNotLoadedError, "window.personaclick"),
        ({"threw": "kaput"}, pc.SDKError, "kaput"),
        ({"timeout": True}, pc.SDKTimeoutError, "2 s"),
        ({"unreadable": "cyclic object value"}, pc.SDKError, "cyclic"),
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


def test_sdk_messages_have_personal_data_redacted(edge):
    """An SDK error that echoes the email or phone sent does not carry them."""
    edge.outcome = {"threw": f"rejected {EMAIL} and +4915112345678 (4915112345678)"}
    with pytest.raises(pc.SDKError) as raised:
        run(pc.segment_add(1, email=EMAIL, phone=PHONE))
    text = str(raised.value)
    assert EMAIL not in text and "4915112345678" not in text, text
    assert "rejected" in text


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
    edge.outcome = {"answer": payload}
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
    edge.outcome = {"answer": payload}
    with pytest.raises(pc.SDKError, match=text):
        run(pc.segment_get())


def test_wheel_pages_install_the_version_being_built():
    """The pages that install the wheel name the file that the module's __version__ builds."""
    root = Path(__file__).resolve().parent.parent
    wheel = f"/dist/personaclick_bridge-{pc.__version__}-py3-none-any.whl"
    for config in ("bridge-wheel-py.toml", "bridge-wheel-mpy.toml"):
        assert wheel in (root / "tests" / "browser" / config).read_text(), config
