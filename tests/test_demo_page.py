"""The demo page, clicked through as a person would, against the local sandbox."""

import json

import pytest

from conftest import BOOT_TIMEOUT_MS
from sandbox.server import start_server

TRICKY_NAME = "<b>VIP</b> & friends"


RUNTIMES = {"pyodide": "?type=py", "micropython": "?type=mpy"}
WORKERS = {"pyodide-worker": "?type=py&worker", "micropython-worker": "?type=mpy&worker"}


@pytest.fixture(params=RUNTIMES, scope="module")
def runtime(request):
    """The query string that picks the interpreter of the page's widgets."""
    return RUNTIMES[request.param]


def seeded_server(tmp_path_factory, isolate=False):
    """A sandbox with the demo shop, one of whose segment names looks like HTML."""
    folder = tmp_path_factory.mktemp("demo")
    segments = [
        {"id": 100500, "name": "Newsletter", "type": "static"},
        {"id": 313, "name": TRICKY_NAME, "type": "static"},
        {"id": 314, "name": "Frequent buyers", "type": "dynamic"},
    ]
    seed = folder / "seed.json"
    seed.write_text(
        json.dumps({"shops": [{"id": "demo-shop", "name": "Demo", "segments": segments}]})
    )
    return start_server(data_dir=folder / "data", seed_path=seed, isolate=isolate)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    server = seeded_server(tmp_path_factory)
    yield server
    server.close()


@pytest.fixture(scope="module")
def isolated_demo_server(tmp_path_factory):
    """The same, sending the cross-origin-isolation headers that workers need."""
    server = seeded_server(tmp_path_factory, isolate=True)
    yield server
    server.close()


def open_demo(watched, server, query=""):
    page = watched.page
    page.goto(server.url + query)
    page.wait_for_function(
        "document.getElementById('status').textContent === 'Ready.'", timeout=BOOT_TIMEOUT_MS
    )
    return page


def click_and_wait(page, button, status_prefix):
    """Click a button and wait until the status line starts with status_prefix."""
    page.click(button)
    page.wait_for_function(
        "prefix => document.getElementById('status').textContent.startsWith(prefix)",
        arg=status_prefix,
        timeout=15_000,
    )


def segment_lines(page):
    return page.locator("#segments li").all_text_contents()


def posts(watched):
    return [url for url in watched.requests if "/segments/add" in url]


def test_visitor_joins_sees_and_leaves_a_segment(watched_page, demo_server, runtime):
    """Join with an email, see the segment by name, leave it again."""
    join_and_leave(open_demo(watched_page, demo_server, runtime))


@pytest.mark.parametrize("worker", WORKERS)
def test_widgets_work_in_a_worker(watched_page, isolated_demo_server, worker):
    """The same widgets run in a worker on a cross-origin-isolated page."""
    join_and_leave(open_demo(watched_page, isolated_demo_server, WORKERS[worker]))


def join_and_leave(page):
    assert segment_lines(page) == ["You are in no segment yet."]
    page.fill("#segment-id", "100500")
    page.fill("#email", "ann@example.com")
    click_and_wait(page, "#join", "Asked PersonaClick to add you to segment 100500.")
    assert segment_lines(page) == ["Newsletter (#100500, static)"]
    click_and_wait(page, "#leave", "Asked PersonaClick to remove you from segment 100500.")
    assert segment_lines(page) == ["You are in no segment yet."]


def test_segment_names_are_shown_as_text_not_html(watched_page, demo_server, runtime):
    """A segment name that looks like markup is shown literally."""
    page = open_demo(watched_page, demo_server, runtime)
    page.fill("#segment-id", "313")
    click_and_wait(page, "#join", "Asked PersonaClick")
    assert segment_lines(page) == [f"{TRICKY_NAME} (#313, static)"]
    assert page.locator("#segments b").count() == 0


def test_bad_input_is_explained_nothing_is_sent_and_the_page_stays_usable(
    watched_page, demo_server, runtime
):
    """A bad email gets a friendly message without the value, reaches no API, and can be fixed."""
    page = open_demo(watched_page, demo_server, runtime)
    page.fill("#segment-id", "100500")
    page.fill("#email", "ann.lee@example")
    click_and_wait(page, "#join", "Please check the form")
    status = page.text_content("#status")
    assert "email" in status and "ann.lee" not in status
    assert posts(watched_page) == []
    page.fill("#email", "ann.lee@example.com")
    click_and_wait(page, "#join", "Asked PersonaClick to add you to segment 100500.")
    assert len(posts(watched_page)) == 1


def test_outage_is_explained_and_the_page_recovers(watched_page, demo_server, runtime):
    """With the API down the page says PersonaClick did not answer; Refresh works once it is up."""
    watched_page.expect_console_errors("status of 503")
    page = open_demo(watched_page, demo_server, runtime)
    demo_server.faults.set("get", status=503)
    try:
        click_and_wait(page, "#refresh", "PersonaClick did not answer in time.")
    finally:
        demo_server.faults.clear()
    click_and_wait(page, "#refresh", "Segments refreshed.")
    assert segment_lines(page) == ["You are in no segment yet."]
