"""The README's Python snippets, run as printed in CPython, and its API summary against the module.

The snippets run against a stand-in for the module's JavaScript edge that answers as the real
edge does (the browser tests run the whole page on the real one).
"""

import ast
import asyncio
import inspect
import json
import re
import textwrap
import typing

import pytest

import personaclick_bridge as pc
from readme import readme_blocks


class Edge:
    """The (send, get) pair of the JS edge: records what is sent, answers each get with outcome."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.sent = []

    def send(self, global_name, action, params):
        self.sent.append((global_name, action, json.loads(params)))
        return json.dumps({"queued": True})

    async def get(self, global_name, timeout_ms, fresh):
        self.sent.append((global_name, "get", timeout_ms))
        return json.dumps(self.outcome)


@pytest.fixture
def edge(monkeypatch):
    def answering(outcome):
        stand_in = Edge(outcome)
        monkeypatch.setattr(pc, "_send_function", stand_in.send)
        monkeypatch.setattr(pc, "_get_function", stand_in.get)
        return stand_in

    return answering


def run_snippet(name):
    """Run a block as the body of a coroutine, as PyScript runs a script's top-level await;
    return its local names."""
    body = textwrap.indent(readme_blocks()[name], "    ")
    namespace = {"pc": pc}
    exec(f"async def snippet():\n{body}\n    return locals()", namespace)
    return asyncio.run(namespace["snippet"]())


def test_the_first_snippet_adds_then_gets(edge):
    """The introduction's add sends the segment and the email; its get gives what its comment
    shows when the SDK answers so."""
    shown = ast.literal_eval(readme_blocks()["intro-py"].rsplit("#", 1)[1].strip())
    stand_in = edge({"answered": shown})
    assert run_snippet("intro-py")["segments"] == shown
    (add, get) = stand_in.sent
    assert add == (
        "personaclick",
        "add",
        {"segment_id": 100500, "email": "john.doe@examplestore.com"},
    )
    assert get == ("personaclick", "get", 5000)


@pytest.mark.parametrize(
    "outcome, segments",
    [
        ({"unloaded": True}, None),
        ({"answered": [{"id": 313, "type": "static"}]}, [{"id": 313, "type": "static"}]),
    ],
)
def test_a_blocked_sdk_leaves_the_page_unpersonalised(edge, outcome, segments):
    """The SDKNotLoadedError snippet gives None when the SDK script did not load, the segments
    otherwise."""
    edge(outcome)
    assert run_snippet("not-loaded-py")["segments"] == segments


def test_a_timeout_is_not_taken_for_a_blocked_sdk(edge):
    """The snippet catches SDKNotLoadedError only: an SDK that took the call and never answered
    is an SDKTimeoutError, which it lets through."""
    edge({"timeout": True})
    with pytest.raises(pc.SDKTimeoutError):
        run_snippet("not-loaded-py")


def api_lines():
    return readme_blocks()["api"].splitlines()


def printed_signature(line):
    """(parameters, return annotation) of a printed `def` line, defaults evaluated in the module."""
    source = line.strip().removesuffix(": ...") + ": ..."
    (function,) = ast.parse(source).body
    args = function.args
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    parameters = [
        (arg.arg, "positional", default) for arg, default in zip(args.args, defaults, strict=True)
    ] + [
        (arg.arg, "keyword", default)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    parameters = [
        (name, kind, inspect.Parameter.empty if d is None else eval(ast.unparse(d), vars(pc)))
        for name, kind, d in parameters
    ]
    returns = ast.unparse(function.returns) if function.returns else None
    return parameters, returns


def actual_signature(function):
    signature = inspect.signature(function)
    parameters = [
        (
            p.name,
            "keyword" if p.kind is inspect.Parameter.KEYWORD_ONLY else "positional",
            p.default,
        )
        for p in signature.parameters.values()
    ]
    returns = inspect.formatannotation(signature.return_annotation).replace(
        "personaclick_bridge.", ""
    )
    return parameters, returns


def test_the_api_summary_names_the_modules_constants():
    """Each constant the summary prints has that value in the module."""
    constants = [re.match(r"(\w+) = (\S+)", line) for line in api_lines()]
    printed = {match[1]: ast.literal_eval(match[2]) for match in constants if match}
    assert printed == {name: getattr(pc, name) for name in printed}
    assert set(printed) == {"DEFAULT_TIMEOUT", "MAX_ANSWER_BYTES", "EARLY_ANSWER_WINDOW"}


def test_the_api_summary_has_the_modules_signatures():
    """The printed functions and PersonaClick's methods take what the module's take, with the
    same defaults; __init__ too."""
    functions = [line for line in api_lines() if line.startswith("async def ")]
    assert [line.split("(")[0].split()[-1] for line in functions] == [
        "segment_add",
        "segment_remove",
        "segment_get",
    ]
    for line in functions:
        name = line.split("(")[0].split()[-1]
        assert printed_signature(line) == actual_signature(getattr(pc, name)), name
        method = actual_signature(getattr(pc.PersonaClick, name))
        assert (
            [("self", "positional", inspect.Parameter.empty)] + printed_signature(line)[0],
            printed_signature(line)[1],
        ) == method, name
    (init,) = [line for line in api_lines() if "def __init__" in line]
    parameters, _ = printed_signature(init)
    assert parameters == actual_signature(pc.PersonaClick.__init__)[0]


def test_the_api_summary_has_the_segment_keys():
    """Segment is a TypedDict with the keys and types printed."""
    (line,) = [line for line in api_lines() if line.startswith("class Segment(TypedDict):")]
    fields = line.split(":", 1)[1].split("#")[0]
    printed = dict(field.strip().split(": ") for field in fields.split(";"))
    assert typing.is_typeddict(pc.Segment)
    assert {
        name: inspect.formatannotation(kind) for name, kind in pc.Segment.__annotations__.items()
    } == printed
