"""The demo page, clicked through as a person would, against the local sandbox."""

import pytest

from browsers import CONFIGURATIONS, serve

TRICKY_NAME = "<b>VIP</b> & friends"
SHOPS = [
    {
        "id": "demo-shop",
        "name": "Demo",
        "segments": [
            {"id": 100500, "name": "Newsletter", "type": "static"},
            {"id": 313, "name": TRICKY_NAME, "type": "static"},
            {"id": 314, "name": "Frequent buyers", "type": "dynamic"},
        ],
    }
]
# What each engine logs by itself for a response with status 503.
HTTP_503_MESSAGES = ("status of 503",)
MAIN_THREAD = [configuration for configuration in CONFIGURATIONS if not configuration.worker]
WORKERS = [configuration for configuration in CONFIGURATIONS if configuration.worker]


@pytest.fixture(params=MAIN_THREAD, ids=lambda configuration: configuration.id, scope="module")
def runtime(request):
    """The query string that picks the interpreter of the page's widgets."""
    return "?" + request.param.query


@pytest.fixture(scope="module")
def demo_server():
    """A sandbox with the demo shop, one of whose segment names looks like HTML."""
    with serve(shops=SHOPS, isolate=False) as server:
        yield server


@pytest.fixture(scope="module")
def isolated_demo_server():
    """The same, sending the cross-origin-isolation headers that workers need."""
    with serve(shops=SHOPS) as server:
        yield server


def open_demo(page, server, query=""):
    page.goto(server.url + query)
    page.wait_for("document.getElementById('status').textContent === 'Ready.'")
    return page


def click_and_wait(page, button, status_prefix):
    """Click a button and wait until the status line starts with status_prefix."""
    page.click(button)
    page.wait_for(
        "prefix => document.getElementById('status').textContent.startsWith(prefix)",
        status_prefix,
        timeout_ms=15_000,
    )


def segment_lines(page):
    return page.texts("#segments li")


def posts(page):
    return [url for url in page.requests if "/segments/add" in url]


def test_visitor_joins_sees_and_leaves_a_segment(page, demo_server, runtime):
    """Join with an email, see the segment by name, leave it again."""
    join_and_leave(open_demo(page, demo_server, runtime))


@pytest.mark.parametrize("worker", WORKERS, ids=lambda configuration: configuration.id)
def test_widgets_work_in_a_worker(page, isolated_demo_server, worker):
    """The same widgets run in a worker on a cross-origin-isolated page."""
    join_and_leave(open_demo(page, isolated_demo_server, "?" + worker.query))


def join_and_leave(page):
    assert segment_lines(page) == ["You are in no segment yet."]
    page.fill("#segment-id", "100500")
    page.fill("#email", "ann@example.com")
    click_and_wait(page, "#join", "Asked PersonaClick to add you to segment 100500.")
    assert segment_lines(page) == ["Newsletter (#100500, static)"]
    click_and_wait(page, "#leave", "Asked PersonaClick to remove you from segment 100500.")
    assert segment_lines(page) == ["You are in no segment yet."]


def test_segment_names_are_shown_as_text_not_html(page, demo_server, runtime):
    """A segment name that looks like markup is shown literally."""
    open_demo(page, demo_server, runtime)
    page.fill("#segment-id", "313")
    click_and_wait(page, "#join", "Asked PersonaClick")
    assert segment_lines(page) == [f"{TRICKY_NAME} (#313, static)"]
    assert page.evaluate("document.querySelectorAll('#segments b').length") == 0


def test_bad_input_is_explained_nothing_is_sent_and_the_page_stays_usable(
    page, demo_server, runtime
):
    """A bad email gets a friendly message without the value, reaches no API, and can be fixed."""
    open_demo(page, demo_server, runtime)
    page.fill("#segment-id", "100500")
    page.fill("#email", "ann.lee@example")
    click_and_wait(page, "#join", "Please check the form")
    status = page.text("#status")
    assert "email" in status and "ann.lee" not in status
    assert posts(page) == []
    page.fill("#email", "ann.lee@example.com")
    click_and_wait(page, "#join", "Asked PersonaClick to add you to segment 100500.")
    assert len(posts(page)) == 1


def test_outage_is_explained_and_the_page_recovers(page, demo_server, runtime):
    """With the API down the page says PersonaClick did not answer; Refresh works once it is up."""
    page.expect_console_errors(*HTTP_503_MESSAGES)
    open_demo(page, demo_server, runtime)
    demo_server.faults.set("get", status=503)
    try:
        click_and_wait(page, "#refresh", "PersonaClick did not answer in time.")
    finally:
        demo_server.faults.clear()
    click_and_wait(page, "#refresh", "Segments refreshed.")
    assert segment_lines(page) == ["You are in no segment yet."]
