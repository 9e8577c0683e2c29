"""The demo storefront, used as a shopper would, against the local sandbox."""

import json

import pytest

from conftest import BOOT_TIMEOUT_MS
from sandbox.server import start_server

TRICKY_NAME = "<b>VIP</b> & friends"
NEWSLETTER = "Newsletter (#100500, static)"
VIP = f"{TRICKY_NAME} (#313, static)"
NO_SEGMENTS = ["You are in no segment yet."]
# Chromium logs refused API calls as console errors; the sandbox's 422 and 404 are expected here.
REFUSALS = ("status of 422", "status of 404")

RUNTIMES = {"pyodide": "?type=py", "micropython": "?type=mpy"}
WORKERS = {"pyodide-worker": "?type=py&worker", "micropython-worker": "?type=mpy&worker"}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=RUNTIMES, scope="module")
def runtime(request):
    """The query string that picks the interpreter of the page's widgets."""
    return RUNTIMES[request.param]


def seeded_server(tmp_path_factory, isolate=False):
    """A sandbox with the demo shop; the VIP segment's name looks like HTML."""
    folder = tmp_path_factory.mktemp("demo")
    segments = [
        {"id": 100500, "name": "Newsletter", "type": "static"},
        {"id": 313, "name": TRICKY_NAME, "type": "static"},
        {"id": 314, "name": "Frequent buyers", "type": "dynamic"},
        {"id": 777, "name": "Champions", "type": "rfm"},
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


@pytest.fixture
def console_lines(watched_page):
    """Every console line of the page and its workers, whatever its level."""
    lines = []
    watched_page.page.on("console", lambda message: lines.append(message.text))
    watched_page.page.on(
        "worker", lambda worker: worker.on("console", lambda message: lines.append(message.text))
    )
    return lines


def open_demo(watched, server, query=""):
    page = watched.page
    page.goto(server.url + query)
    page.wait_for_function(
        "document.getElementById('status').textContent === 'Ready.'", timeout=BOOT_TIMEOUT_MS
    )
    return page


def wait_for_status(page, status_id, prefix, timeout=15_000):
    """Wait until a status line starts with prefix; return its text and class."""
    page.wait_for_function(
        "([id, prefix]) => document.getElementById(id).textContent.startsWith(prefix)",
        arg=[status_id, prefix],
        timeout=timeout,
    )
    status = page.locator(f"#{status_id}")
    return status.text_content(), status.get_attribute("class")


def segment_lines(page):
    return page.locator("#segments li span").all_text_contents()


def offered(page):
    """Names of the segments offered for joining, and the ids the number field suggests."""
    names = page.locator("#joinable li span").all_text_contents()
    ids = page.locator("#joinable-ids option").evaluate_all("options => options.map(o => o.value)")
    return names, ids


def adds(watched):
    return [url for url in watched.requests if "/segments/add" in url]


def member_prices(page):
    return page.locator("#products .member-price").all_text_contents()


def join_offered_and_leave(page):
    """Join VIP from the offers: banner and member prices appear; leave: they go again."""
    assert segment_lines(page) == NO_SEGMENTS
    assert page.locator("#vip-banner").is_hidden()
    assert member_prices(page) == []
    page.click("#joinable button[data-segment='313']")
    assert wait_for_status(page, "profile-status", "Done") == (
        f"Done: you are now in {TRICKY_NAME}.",
        "done",
    )
    assert segment_lines(page) == [VIP]
    assert page.locator("#vip-banner").is_visible()
    assert member_prices(page)[0] == "Your VIP price: €19.00"
    assert offered(page) == (["Newsletter"], ["100500"])
    page.click("#segments button[data-segment='313']")
    wait_for_status(page, "profile-status", f"Done: you have left {TRICKY_NAME}.")
    assert segment_lines(page) == NO_SEGMENTS
    assert page.locator("#vip-banner").is_hidden()
    assert member_prices(page) == []


def test_segments_personalise_the_shop(watched_page, demo_server, runtime):
    """Only static segments are offered; joining VIP shows its banner and prices, as text."""
    page = open_demo(watched_page, demo_server, runtime)
    assert page.locator("#products li").count() == 4
    assert offered(page) == (["Newsletter", TRICKY_NAME], ["100500", "313"])
    join_offered_and_leave(page)
    assert page.locator("#segments b, #joinable b").count() == 0


@pytest.mark.parametrize("worker", WORKERS)
def test_widgets_work_in_a_worker(watched_page, isolated_demo_server, worker):
    """The same widgets run in a worker on a cross-origin-isolated page, forms included."""
    page = open_demo(watched_page, isolated_demo_server, WORKERS[worker])
    join_offered_and_leave(page)
    page.fill("#segment-id", "100500")
    page.press("#segment-id", "Enter")
    wait_for_status(page, "profile-status", "Done: you are now in Newsletter.")
    assert segment_lines(page) == [NEWSLETTER]


def test_newsletter_join_is_done_only_once_segment_get_shows_it(watched_page, demo_server, runtime):
    """Enter submits; while segment_get is slow the form says it is checking, not done."""
    page = open_demo(watched_page, demo_server, runtime)
    demo_server.faults.set("get", latency_ms=1500)
    try:
        page.fill("#newsletter-email", "ann@example.com")
        page.press("#newsletter-email", "Enter")
        assert wait_for_status(page, "newsletter-status", "Checking your segments") == (
            "Checking your segments…",
            "working",
        )
        assert len(adds(watched_page)) == 1
        assert page.locator("#newsletter-submit").is_disabled()
    finally:
        demo_server.faults.clear()
    assert wait_for_status(page, "newsletter-status", "Thanks") == (
        "Thanks! You are subscribed to our newsletter.",
        "done",
    )
    assert NEWSLETTER in segment_lines(page)
    assert page.locator("#newsletter").is_hidden()
    page.click("#segments button[data-segment='100500']")
    wait_for_status(page, "profile-status", "Done: you have left Newsletter.")
    assert page.locator("#newsletter").is_visible()


def test_refused_joins_are_reported_as_not_taken_effect(watched_page, demo_server, runtime):
    """A dynamic, an unknown and a non-numeric id reach the API, which refuses: not done."""
    watched_page.expect_console_errors(*REFUSALS)
    page = open_demo(watched_page, demo_server, runtime)
    reasons = {
        "314": "Frequent buyers is worked out by the shop, so it cannot be joined.",
        "999": "this shop has no segment 999.",
        "abc": "this shop has no segment abc.",
    }
    for sent, (typed, reason) in enumerate(reasons.items(), start=1):
        page.fill("#segment-id", typed)
        page.press("#segment-id", "Enter")
        assert wait_for_status(page, "profile-status", "That did not") == (
            f"That did not take effect: {reason}",
            "error",
        )
        assert len(adds(watched_page)) == sent
        assert segment_lines(page) == NO_SEGMENTS


def test_mistakes_are_explained_next_to_their_field(
    watched_page, demo_server, runtime, console_lines
):
    """Bad input is flagged with aria-invalid and a message of its own; nothing is sent."""
    watched_page.expect_console_errors(*REFUSALS)
    page = open_demo(watched_page, demo_server, runtime)
    page.click("#newsletter-submit")
    assert field_error(page, "newsletter-email") == "Please enter your email address."
    page.fill("#newsletter-email", "ann.lee@example")
    page.click("#newsletter-submit")
    page.wait_for_function("!document.getElementById('newsletter-submit').disabled")
    assert field_error(page, "newsletter-email") == (
        "Please enter an email address like name@example.com."
    )
    page.fill("#newsletter-email", "ann.lee@example.com")
    page.fill("#newsletter-phone", "+44 20 79")
    page.press("#newsletter-phone", "Enter")
    page.wait_for_function("!document.getElementById('newsletter-submit').disabled")
    assert field_error(page, "newsletter-phone").startswith("Please enter a phone number")
    assert page.get_attribute("#newsletter-email", "aria-invalid") is None
    page.press("#segment-id", "Enter")
    assert field_error(page, "segment-id") == "Please enter a segment number, like 100500."
    assert adds(watched_page) == []
    page.fill("#newsletter-phone", "")
    page.press("#newsletter-email", "Enter")
    wait_for_status(page, "newsletter-status", "Thanks!")
    assert page.get_attribute("#newsletter-phone", "aria-invalid") is None
    assert len(adds(watched_page)) == 1
    assert any("refused before sending" in line for line in console_lines)
    page.fill("#segment-id", "ann.lee@example.com")
    page.press("#segment-id", "Enter")
    wait_for_status(page, "profile-status", "That did not take effect")
    assert not [line for line in console_lines if "ann.lee" in line or "20 79" in line]


def field_error(page, input_id):
    """The message linked to a field flagged invalid (waits for the flag)."""
    page.wait_for_selector(f"#{input_id}[aria-invalid='true']")
    message_id = page.get_attribute(f"#{input_id}", "aria-describedby")
    return page.text_content(f"#{message_id}")


def test_touch_targets_and_inputs_fit_a_phone(watched_page, demo_server):
    """At 390 px every control is at least 44 px square, inputs 16 px text, no sideways scroll."""
    watched_page.page.set_viewport_size(PHONE)
    page = open_demo(watched_page, demo_server, "?type=mpy")
    page.click("#joinable button[data-segment='313']")
    wait_for_status(page, "profile-status", "Done")
    controls = page.evaluate(
        """() => [...document.querySelectorAll("button, input")]
            .filter((control) => control.offsetParent !== null)
            .map((control) => {
              const box = control.getBoundingClientRect();
              const font = parseFloat(getComputedStyle(control).fontSize);
              return [control.id || control.textContent, box.width, box.height, font];
            })"""
    )
    assert len(controls) >= 7
    for name, width, height, font in controls:
        assert width >= 44 and height >= 44, name
        assert font >= 16, name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_without_isolation_says_what_to_do(watched_page, demo_server, worker):
    """Without cross-origin isolation a ?worker page explains itself instead of loading forever."""
    page = watched_page.page
    page.goto(demo_server.url + WORKERS[worker])
    assert page.evaluate("crossOriginIsolated") is False
    status = page.locator("#status")
    assert "-m sandbox --isolate" in status.text_content()
    assert status.get_attribute("class") == "error"
    assert not [url for url in watched_page.requests if url.endswith("/main.py")]


def test_outage_is_explained_and_the_page_recovers(watched_page, demo_server, runtime):
    """With the API down the page says PersonaClick did not answer; Refresh works once it is up."""
    watched_page.expect_console_errors("status of 503")
    page = open_demo(watched_page, demo_server, runtime)
    demo_server.faults.set("get", status=503)
    try:
        page.click("#refresh")
        assert wait_for_status(page, "profile-status", "Checking") == (
            "Checking your segments…",
            "working",
        )
        assert page.locator("#refresh").is_disabled()
        wait_for_status(page, "profile-status", "PersonaClick did not answer in time.")
    finally:
        demo_server.faults.clear()
    page.click("#refresh")
    wait_for_status(page, "profile-status", "Segments refreshed.")
    assert segment_lines(page) == NO_SEGMENTS
