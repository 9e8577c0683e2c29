"""personaclick_bridge.js on every engine and configuration: one tag gives each interpreter the
module with no config, and its early segment_get serves the first gets (tag.html, tag_widget.py).
"""

import json
from urllib.parse import quote

import pytest

from browsers import CONFIGURATIONS, serve

SEGMENTS = [{"id": 313, "type": "static"}]
WIDGETS = "document.querySelectorAll('#widgets li').length >= {count}"
HELD = json.dumps({"get": "held", "payload": SEGMENTS})
# What PyScript itself needs ('unsafe-eval'; blob: workers), and for this page 'unsafe-inline'
# (the loader snippet, its own scripts) and data: images (its icon): the README's claim that the
# tag adds nothing to it.
PYSCRIPTS_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "worker-src 'self' blob:"
)


@pytest.fixture(params=CONFIGURATIONS, ids=lambda configuration: configuration.id)
def configuration(request):
    return request.param


def widgets(page, sandbox, configuration, count=1, **query):
    """Open tag.html with count widgets and query; return each widget's outcomes and module."""
    query = {"widgets": count, **query}
    search = "&".join(f"{key}={value}" if value != "" else key for key, value in query.items())
    page.goto(f"{sandbox.url}tests/browser/tag.html?{configuration.query}&{search}")
    page.wait_for(WIDGETS.format(count=count))
    return [json.loads(text) for text in page.texts("#widgets li")]


def sdk_gets(page):
    calls = json.loads(page.evaluate("fakeSdk.callsJson()"))
    return [call["action"] for call in calls]


@pytest.mark.parametrize("position", ["after", "before"])
def test_widgets_import_the_bridge_with_no_config_and_share_the_early_call(
    page, sandbox, configuration, position
):
    """Five widgets with the tag after core.js, one with it before: each imports the module the
    tag wrote and gets the early call's answer; the SDK saw one get in all."""
    count = 1 if position == "before" else 5
    if configuration.id == "pyodide-worker" and count > 1:
        count = 2  # each its own Pyodide: five take minutes to boot on two cores
    extra = {"before": ""} if position == "before" else {}
    results = widgets(page, sandbox, configuration, count=count, **extra)
    assert [result["outcomes"] for result in results] == [[SEGMENTS]] * count
    assert all(result["module"].endswith("personaclick_bridge.py") for result in results)
    assert sdk_gets(page) == ["get"]


def test_py_script_and_mpy_script_elements_import_the_bridge(page, sandbox, configuration):
    """A <py-script> or <mpy-script> element gets the module as a script tag does."""
    [result] = widgets(page, sandbox, configuration, element="")
    assert result["outcomes"] == [SEGMENTS]
    assert sdk_gets(page) == ["get"]


def test_five_widgets_make_one_http_request_in_all(page, sandbox, configuration):
    """Against the sandbox's stand-in SDK and API, the widgets' gets and the early one are one
    HTTP request to /segments/get."""
    count = 2 if configuration.id == "pyodide-worker" else 5  # each worker boots its own Pyodide
    results = widgets(page, sandbox, configuration, count=count, sdk="sandbox")
    assert [result["outcomes"] for result in results] == [[[]]] * count
    gets = [url for url in page.requests if "/segments/get" in url]
    assert len(gets) == 1, gets


def test_the_tag_works_under_the_policy_pyscript_needs(page, sandbox, configuration):
    """Under the Content-Security-Policy that PyScript needs, with nothing added for the tag,
    the widget imports the bridge and gets the early call's answer; no violation is logged."""
    [result] = widgets(page, sandbox, configuration, csp=quote(PYSCRIPTS_POLICY))
    assert result["outcomes"] == [SEGMENTS]
    assert sdk_gets(page) == ["get"]


def test_gets_join_the_early_call_in_flight(page, sandbox, configuration):
    """With the SDK holding its answer, the widgets' gets join the early call: one SDK get."""
    page.goto(f"{sandbox.url}tests/browser/tag.html?{configuration.query}&widgets=2&sdk={HELD}")
    page.wait_for("window.widgetsWaiting === 2")
    page.evaluate("fakeSdk.release()")
    page.wait_for(WIDGETS.format(count=2))
    assert [json.loads(text)["outcomes"] for text in page.texts("#widgets li")] == [[SEGMENTS]] * 2
    assert sdk_gets(page) == ["get"]


# A widget's steps, what they ended with and the SDK calls made in all, the early get included.
AGAIN = {
    "after-an-add": ("get,add,get", [SEGMENTS, None, SEGMENTS], ["get", "add", "get"]),
    "fresh": ("get,fresh", [SEGMENTS, SEGMENTS], ["get", "get"]),
    "past-the-window": ("window,get", [SEGMENTS], ["get", "get"]),
}


@pytest.mark.parametrize("case", AGAIN)
def test_a_get_asks_the_sdk_again_after_an_add_fresh_or_past_the_window(
    page, sandbox, configuration, case
):
    """The early answer serves no get after an add, none with fresh=True, none past its window."""
    steps, outcomes, actions = AGAIN[case]
    [result] = widgets(page, sandbox, configuration, steps=steps)
    assert result["outcomes"] == outcomes
    assert sdk_gets(page) == actions


@pytest.mark.parametrize("prefetch, actions", [("on", ["get"]), ("off", [])])
def test_data_prefetch_off_makes_no_early_call(page, sandbox, prefetch, actions):
    """The tag asks for the segments at page load unless data-prefetch="off"."""
    query = "widgets=0" + ("&prefetch=off" if prefetch == "off" else "")
    page.goto(f"{sandbox.url}tests/browser/tag.html?{query}")
    page.wait_for("document.readyState === 'complete' && new Promise((r) => setTimeout(r, 200, 1))")
    assert sdk_gets(page) == actions


def test_data_global_names_the_sdk_global(page, sandbox, configuration):
    """data-global="r46": the early call goes to window.r46, and a PersonaClick("r46") shares it."""
    [result] = widgets(page, sandbox, configuration, r46="", **{"global": "r46"})
    assert result["outcomes"] == [SEGMENTS]
    assert sdk_gets(page) == ["get"]


def test_blocked_sdk_is_not_loaded_error(page, sandbox, configuration):
    """With the SDK script never loading, the early call waits in the stub's queue, and a get
    that joins it ends in SDKNotLoadedError at its own timeout."""
    [result] = widgets(page, sandbox, configuration, blocked="", timeout="0.5")
    assert result["outcomes"] == ["SDKNotLoadedError"]
    assert page.evaluate("fakeSdk.queuedCount()") == 1


@pytest.mark.parametrize("own", ["wheel", "files"])
def test_a_copy_the_page_ships_wins(page, sandbox, configuration, own):
    """A page that also installs the bridge (wheel or [files]) imports its own copy, and the
    tag writes none beside it."""
    [result] = widgets(page, sandbox, configuration, own=own)
    assert result["outcomes"] == [SEGMENTS]
    if own == "wheel":
        assert result["module"].endswith("personaclick_bridge/__init__.py")
        assert result["written"] is False


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
