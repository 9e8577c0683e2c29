"""personaclick_bridge.js on every engine and configuration: one tag gives each interpreter the
module with no config, and its early segment_get serves the first gets (tag.html, tag_widget.py),
also when PersonaClick's loader comes after the tag. It logs nothing unless asked (data-debug).
"""

import json
from urllib.parse import quote

import pytest

from browsers import CHEAPEST, CONFIGURATIONS, serve, setups

SEGMENTS = [{"id": 313, "type": "static"}]
WIDGETS = "document.querySelectorAll('#widgets li').length >= {count}"
# What PyScript itself needs ('unsafe-eval'; blob: workers), and for this page 'unsafe-inline'
# (the loader snippet, its own scripts) and data: images (its icon): the README's claim that the
# tag adds nothing to it.
POLICY = quote(
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "worker-src 'self' blob:"
)


@pytest.fixture(params=CONFIGURATIONS, ids=str)
def configuration(request):
    return request.param


def tag_page(page, sandbox, query, configuration=None):
    """Open tag.html with query (a dict; "" for a bare flag) in configuration, if any."""
    search = "&".join(f"{key}={value}" if value != "" else key for key, value in query.items())
    if configuration is not None:
        search = f"{configuration.query}&{search}"
    page.goto(f"{sandbox.url}tests/browser/tag.html?{search}")


def widgets(page, sandbox, configuration, count=1, **query):
    """Open tag.html with count widgets and query in configuration (or a Setup, whose install
    the page makes beside the tag); return each widget's outcomes and module. Without ?debug,
    the tag has logged nothing."""
    tag_page(page, sandbox, {"widgets": count, **query}, configuration)
    page.wait_for(WIDGETS.format(count=count))
    if "debug" not in query:
        assert tag_lines(page) == []
    return [json.loads(text) for text in page.texts("#widgets li")]


def sdk_gets(page):
    calls = json.loads(page.evaluate("fakeSdk.callsJson()"))
    return [call["action"] for call in calls]


def tag_lines(page):
    """What the page has logged at any level (the harness's watcher records it) from the tag."""
    return [line for line in page.evaluate("pageWatch.console") if "personaclick_bridge" in line]


def test_widgets_join_the_early_call_in_flight_under_the_policy_pyscript_needs(
    page, sandbox, configuration
):
    """With the tag before core.js, under the Content-Security-Policy PyScript needs and nothing
    added for the tag, against the sandbox's stand-in SDK and API holding its answer until every
    widget has called: the widgets (the first a <py-script>/<mpy-script> element) import the
    module the tag wrote and join the early call in flight, one HTTP request to /segments/get in
    all; nothing is logged. (The README's order, the tag after core.js, is the README's page
    test.)"""
    count = 2 if configuration.id == "pyodide-worker" else 4  # a Pyodide for each worker
    sandbox.faults.set("get", hold=True)
    try:
        page.goto(
            f"{sandbox.url}tests/browser/tag.html?{configuration.query}&widgets={count}"
            f"&before&element&sdk=sandbox&csp={POLICY}"
        )
        page.wait_for(f"window.widgetsWaiting === {count}")  # every widget booted, then called
    finally:
        sandbox.faults.clear()
    page.wait_for(WIDGETS.format(count=count))
    results = [json.loads(text) for text in page.texts("#widgets li")]
    assert [result["outcomes"] for result in results] == [[[]]] * count
    assert all(result["module"].endswith("personaclick_bridge.py") for result in results)
    assert all(result["written"] for result in results)
    gets = [url for url in page.requests if "/segments/get" in url]
    assert len(gets) == 1, gets
    assert tag_lines(page) == []


# One widget: four MicroPython workers that each unzip a wheel at once sometimes never start on
# Firefox (a third of the loads here; the wheel is unzipped by PyScript's [files]).
@pytest.mark.parametrize("setup", setups(("wheel",)), ids=str)
def test_a_wheel_the_page_ships_wins(page, sandbox, setup):
    """A page that also installs the bridge from its wheel imports that copy, the tag writes
    none beside it, and the early call still serves the first get."""
    [result] = widgets(page, sandbox, setup)
    assert result["outcomes"] == [SEGMENTS]
    assert result["module"].endswith("personaclick_bridge/__init__.py")
    assert result["written"] is False


# The early answer's rules (the SDK global, the window, adds and removes, a blocked script) live
# in the page's JavaScript edge, which every interpreter and worker shares; bridge_cases.py checks
# each configuration's path into it. So these run where a page boots fastest.

# A widget's steps, what they ended with and the SDK calls made in all, the early get included.
AGAIN = {
    "after-an-add": ("get,add,get", [SEGMENTS, None, SEGMENTS], ["get", "add", "get"]),
    "fresh": ("get,fresh", [SEGMENTS, SEGMENTS], ["get", "get"]),
    "past-the-window": ("get,window,get", [SEGMENTS, SEGMENTS], ["get", "get"]),
}


@pytest.mark.parametrize("case", AGAIN)
def test_a_get_asks_the_sdk_again_after_an_add_fresh_or_past_the_window(page, sandbox, case):
    """The early answer serves no get after an add, none with fresh=True, none past its window."""
    steps, outcomes, actions = AGAIN[case]
    [result] = widgets(page, sandbox, CHEAPEST, steps=steps)
    assert result["outcomes"] == outcomes
    assert sdk_gets(page) == actions


def test_data_global_names_the_sdk_global(page, sandbox):
    """data-global="r46": the early call goes to window.r46, and a PersonaClick("r46") shares it."""
    [result] = widgets(page, sandbox, CHEAPEST, r46="", **{"global": "r46"})
    assert result["outcomes"] == [SEGMENTS]
    assert sdk_gets(page) == ["get"]


def test_blocked_sdk_is_not_loaded_error(page, sandbox):
    """With the SDK script never loading, the early call waits in the stub's queue, and a get
    that joins it ends in SDKNotLoadedError at its own timeout."""
    [result] = widgets(page, sandbox, CHEAPEST, blocked="", timeout="0.5")
    assert result["outcomes"] == ["SDKNotLoadedError"]
    assert page.evaluate("fakeSdk.queuedCount()") == 1


@pytest.mark.parametrize(
    "prefetch, actions, said",
    [
        ("on", ["get"], "asked window.personaclick for the visitor's segments (the early call)"),
        ("off", [], 'data-prefetch="off": no early call'),
    ],
)
def test_data_prefetch_off_makes_no_early_call(page, sandbox, prefetch, actions, said):
    """The tag asks for the segments at page load unless data-prefetch="off"; with data-debug,
    it says which it did, at console.info."""
    query = {"widgets": 0, "debug": ""} | ({"prefetch": "off"} if prefetch == "off" else {})
    tag_page(page, sandbox, query)
    page.wait_for("document.readyState === 'complete' && new Promise((r) => setTimeout(r, 200, 1))")
    assert sdk_gets(page) == actions
    lines = tag_lines(page)
    assert f"personaclick_bridge.js: {said}" in lines, lines
    assert lines == page.evaluate("infoLines")


# PersonaClick's loader added after the tag ran, as a consent manager adds it once the visitor
# agrees (tag.html's ?loader and addLoader).


def test_without_personaclick_the_tag_is_quiet_and_a_get_is_not_loaded(
    page, sandbox, configuration
):
    """No SDK global on the page, and none comes: the tag logs nothing, and the widget's get
    raises SDKNotLoadedError, as without the tag."""
    [result] = widgets(page, sandbox, configuration, loader="")
    assert result["outcomes"] == ["SDKNotLoadedError"]
    assert sdk_gets(page) == []


def test_a_loader_added_after_load_gets_the_early_call(page, sandbox, configuration):
    """PersonaClick's loader, added by the page a second after the tag ran: the tag makes its
    early call then, and the widget's gets, made once the loader is there, share it: one SDK call
    in all, and nothing logged. The SDK holds its answer until the widget has booted, however
    long that takes."""
    held = quote(json.dumps({"get": "held", "payload": SEGMENTS}))
    query = {"widgets": 1, "steps": "loader,get,get", "loader": 1000, "sdk": held}
    tag_page(page, sandbox, query, configuration)
    page.wait_for("window.widgetsWaiting === 1 && loaderArrived()")
    page.evaluate("fakeSdk.release()")
    page.wait_for(WIDGETS.format(count=1))
    [result] = [json.loads(text) for text in page.texts("#widgets li")]
    assert result["outcomes"] == [SEGMENTS, SEGMENTS]
    assert sdk_gets(page) == ["get"]
    assert tag_lines(page) == []


# Where the tag waits lives in its own JavaScript, whatever the interpreter: these pages run no
# Python at all, and the tests drive the page.
PROPERTY = """(() => {
  const found = Object.getOwnPropertyDescriptor(window, "personaclick");
  return found && { accessor: "get" in found, type: typeof found.value };
})()"""
PLAIN_FUNCTION = {"accessor": False, "type": "function"}
LOADER_WAIT_MS = 30_000  # the tag's bound, as docs/how-it-works.md states it


def without_loader(page, sandbox, **query):
    """tag.html with no SDK global and no Python, once the tag has run."""
    tag_page(page, sandbox, {"widgets": 0, "loader": "", **query})
    page.wait_for("document.readyState === 'complete'")


@pytest.mark.parametrize("form", ["stub", "var", "sdk"])
def test_a_loader_in_any_form_gets_the_early_call(page, sandbox, form):
    """PersonaClick's loader snippet, a classic script's `var personaclick = …`, or the SDK
    script itself assigning the global, added after the tag ran: each gets the early call, the
    tag logs nothing, and window.personaclick is a plain property again."""
    without_loader(page, sandbox)
    assert sdk_gets(page) == []
    page.wait_for(f"addLoader({form!r})")
    assert sdk_gets(page) == ["get"]
    assert page.evaluate(PROPERTY) == PLAIN_FUNCTION
    assert tag_lines(page) == []


# The page stands in for the browser here: it dispatches pagehide, and makes itself hidden for
# visibilitychange, which no engine's driver does for a page in every engine.
STOPS = {
    "hidden": """Object.defineProperty(document, "visibilityState", { value: "hidden" });
        document.dispatchEvent(new Event("visibilitychange"))""",
    "left": 'dispatchEvent(new Event("pagehide"))',
    "past-the-bound": f"skipAhead({LOADER_WAIT_MS})",
}


@pytest.mark.parametrize("stop", STOPS)
def test_the_tag_stops_waiting_when_the_page_is_hidden_or_past_its_bound(page, sandbox, stop):
    """Once the page is hidden or left, or 30 s after the tag ran, a loader that comes gets no
    early call, and the tag logs nothing; a hidden or left page's window is as it was."""
    without_loader(page, sandbox)
    page.evaluate(f"(() => {{ {STOPS[stop]}; }})()")
    if stop != "past-the-bound":  # that one, the tag learns of as the global comes
        assert page.evaluate(PROPERTY) is None
    page.wait_for("addLoader('stub')")
    assert sdk_gets(page) == []
    assert page.evaluate(PROPERTY) == PLAIN_FUNCTION
    assert tag_lines(page) == []


def test_data_debug_says_what_the_tag_did(page, sandbox):
    """With data-debug the tag says, at console.info, that it waits for the SDK global and
    when the global arrived and it made the early call."""
    without_loader(page, sandbox, debug="")
    page.wait_for("addLoader('stub')")
    lines = tag_lines(page)
    assert lines == page.evaluate("infoLines")
    [waits] = [line for line in lines if "waits for it" in line]
    assert "window.personaclick is not a function yet" in waits
    assert "at most 30 s" in waits
    arrived = "window.personaclick arrived: asked window.personaclick for the visitor's segments"
    assert any(arrived in line for line in lines), lines
    assert lines.index(waits) < [arrived in line for line in lines].index(True)


def test_a_late_tag_says_so_in_one_console_error(engine, sandbox):
    """A tag added by script after PyScript started logs one error that names the fix."""
    page = engine.new_page()
    try:
        page.goto(f"{sandbox.url}tests/browser/tag.html?widgets=0&late")
        page.wait_for("document.head.querySelector('script[src=\"/personaclick_bridge.js\"]')")
        page.wait_for("new Promise((resolve) => setTimeout(resolve, 300, true))")
        errors = page.console_errors
        assert len(errors) == 1 and "in the page's HTML" in errors[0], errors
        assert page.foreign_requests() == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def sandbox_without_isolation():
    """The test pages served without the cross-origin-isolation headers workers need."""
    with serve(pages=True, isolate=False) as started:
        yield started


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_a_worker_that_cannot_reach_the_page_still_runs(
    page, sandbox_without_isolation, interpreter
):
    """On a page without cross-origin isolation a worker has no window: the tag's work in the
    worker gives way, and the worker's script runs as it would without the tag, no error logged."""
    page.goto(
        f"{sandbox_without_isolation.url}tests/browser/tag.html?type={interpreter}&worker&unisolated"
    )
    page.wait_for("window.workersRan === 1")
