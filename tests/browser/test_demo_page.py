"""The demo storefront, used as a shopper would, against the local sandbox, on every engine."""

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
            {"id": 777, "name": "Champions", "type": "rfm"},
        ],
    }
]
NEWSLETTER = "Newsletter (#100500, static)"
VIP = f"{TRICKY_NAME} (#313, static)"
NO_SEGMENTS = ["You are in no segment yet."]
# What each engine logs by itself for the sandbox's refusals (422, 404) and its outage (503).
REFUSALS = ("status of 422", "status of 404")
HTTP_503_MESSAGES = ("status of 503",)
MAIN_THREAD = [configuration for configuration in CONFIGURATIONS if not configuration.worker]
WORKERS = [configuration for configuration in CONFIGURATIONS if configuration.worker]
PHONE = {"width": 390, "height": 844}
STATUS_TIMEOUT_MS = 15_000


@pytest.fixture(params=MAIN_THREAD, ids=lambda configuration: configuration.id, scope="module")
def runtime(request):
    """The query string that picks the interpreter of the page's widgets."""
    return "?" + request.param.query


@pytest.fixture(scope="module")
def demo_server():
    """A sandbox with the demo shop; the VIP segment's name looks like HTML."""
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


def wait_for_status(page, status_id, prefix):
    """Wait until a status line starts with prefix; return its text and class."""
    page.wait_for(
        "([id, prefix]) => document.getElementById(id).textContent.startsWith(prefix)",
        [status_id, prefix],
        timeout_ms=STATUS_TIMEOUT_MS,
    )
    return tuple(
        page.evaluate(
            "id => [document.getElementById(id).textContent, "
            "document.getElementById(id).getAttribute('class')]",
            status_id,
        )
    )


def visible(page, selector):
    """Whether the element is rendered (Playwright's is_visible, on every engine)."""
    return page.evaluate(
        """s => { const e = document.querySelector(s);
                  return !!e && e.getClientRects().length > 0
                    && getComputedStyle(e).visibility !== "hidden"; }""",
        selector,
    )


def attribute(page, selector, name):
    return page.evaluate("([s, n]) => document.querySelector(s).getAttribute(n)", [selector, name])


def disabled(page, selector):
    return page.evaluate("s => document.querySelector(s).disabled", selector)


def count(page, selector):
    return page.evaluate("s => document.querySelectorAll(s).length", selector)


def segment_lines(page):
    return page.texts("#segments li span")


def offered(page):
    """Names of the segments offered for joining."""
    return page.texts("#joinable li span")


def adds(page):
    return [url for url in page.requests if "/segments/add" in url]


def member_prices(page):
    return page.texts("#products .member-price")


def join_offered_and_leave(page):
    """Join VIP from the offers: banner and member prices appear; leave: they go again."""
    assert segment_lines(page) == NO_SEGMENTS
    assert not visible(page, "#vip-banner")
    assert member_prices(page) == []
    page.click("#joinable button[data-segment='313']")
    assert wait_for_status(page, "profile-status", "Done") == (
        f"Done: you are now in {TRICKY_NAME}.",
        "done",
    )
    assert segment_lines(page) == [VIP]
    assert visible(page, "#vip-banner")
    assert member_prices(page)[0] == "Your VIP price: €19.00"
    assert offered(page) == ["Newsletter"]
    page.click("#segments button[data-segment='313']")
    wait_for_status(page, "profile-status", f"Done: you have left {TRICKY_NAME}.")
    assert segment_lines(page) == NO_SEGMENTS
    assert not visible(page, "#vip-banner")
    assert member_prices(page) == []


def test_segments_personalise_the_shop_and_an_outage_is_explained(page, demo_server, runtime):
    """Only static segments are offered; joining VIP shows its banner and prices, as text. With
    the API down the page says PersonaClick did not answer; Refresh works once it is up."""
    page.expect_console_errors(*HTTP_503_MESSAGES)
    open_demo(page, demo_server, runtime)
    assert count(page, "#products li") == 4
    assert offered(page) == ["Newsletter", TRICKY_NAME]
    join_offered_and_leave(page)
    assert count(page, "#segments b, #joinable b") == 0
    demo_server.faults.set("get", status=503)
    try:
        page.click("#refresh")
        assert wait_for_status(page, "profile-status", "Checking") == (
            "Checking your segments…",
            "working",
        )
        assert disabled(page, "#refresh")
        wait_for_status(page, "profile-status", "PersonaClick did not answer in time.")
    finally:
        demo_server.faults.clear()
    page.click("#refresh")
    wait_for_status(page, "profile-status", "Segments refreshed.")
    assert segment_lines(page) == NO_SEGMENTS


@pytest.mark.parametrize("worker", WORKERS, ids=lambda configuration: configuration.id)
def test_widgets_work_in_a_worker(page, isolated_demo_server, worker):
    """The same widgets run in a worker on a cross-origin-isolated page, forms included: Enter
    in a field submits its form, for an offered id too, and so does a click."""
    open_demo(page, isolated_demo_server, "?" + worker.query)
    join_offered_and_leave(page)
    page.fill("#segment-id", "100500")
    page.press("#segment-id", "Enter")
    wait_for_status(page, "profile-status", "Done: you are now in Newsletter.")
    assert segment_lines(page) == [NEWSLETTER]
    page.fill("#segment-id", "313")
    page.click("#join-submit")
    wait_for_status(page, "profile-status", f"Done: you are now in {TRICKY_NAME}.")
    assert segment_lines(page) == [VIP, NEWSLETTER]


def test_newsletter_join_is_done_only_once_segment_get_shows_it(page, demo_server, runtime):
    """Enter submits; while segment_get is slow the form says it is checking, not done."""
    open_demo(page, demo_server, runtime)
    demo_server.faults.set("get", latency_ms=1500)
    try:
        page.fill("#newsletter-email", "ann@example.com")
        page.press("#newsletter-email", "Enter")
        assert wait_for_status(page, "newsletter-status", "Checking your segments") == (
            "Checking your segments…",
            "working",
        )
        assert disabled(page, "#newsletter-submit")
    finally:
        demo_server.faults.clear()
    assert wait_for_status(page, "newsletter-status", "Thanks") == (
        "Thanks! You are subscribed to our newsletter.",
        "done",
    )
    # Counted once done: a WebKit page records a request only when its response has ended.
    assert len(adds(page)) == 1
    assert NEWSLETTER in segment_lines(page)
    assert not visible(page, "#newsletter")
    page.click("#segments button[data-segment='100500']")
    wait_for_status(page, "profile-status", "Done: you have left Newsletter.")
    assert visible(page, "#newsletter")


def field_error(page, input_id, prefix=""):
    """The message linked to a field flagged invalid, once it starts with prefix: the page's
    handler writes it after the click or key press has returned."""
    return page.wait_for(
        """([selector, prefix]) => {
            const field = document.querySelector(selector);
            const note = field && document.getElementById(field.getAttribute("aria-describedby"));
            return note?.textContent.startsWith(prefix) ? note.textContent : null;
        }""",
        [f"#{input_id}[aria-invalid='true']", prefix],
    )


def submit_enabled(page):
    page.wait_for("!document.getElementById('newsletter-submit').disabled")


def test_mistakes_are_explained_refused_joins_are_not_done_and_nothing_personal_is_logged(
    page, demo_server, runtime
):
    """Bad input is flagged with aria-invalid and a message of its own, and nothing is sent; a
    dynamic, an unknown and a non-numeric id (an email typed in the wrong field, say) reach the
    API, which refuses: not done. The console names the refusals for the developer, never the
    email or phone typed (every console level, as the sandbox's watcher in the page records)."""
    page.expect_console_errors(*REFUSALS)
    open_demo(page, demo_server, runtime)
    page.click("#newsletter-submit")
    assert field_error(page, "newsletter-email") == "Please enter your email address."
    page.fill("#newsletter-email", "ann.lee@example")
    page.click("#newsletter-submit")
    submit_enabled(page)
    assert field_error(page, "newsletter-email", "Please enter an email address like") == (
        "Please enter an email address like name@example.com."
    )
    page.fill("#newsletter-email", "ann.lee@example.com")
    page.fill("#newsletter-phone", "+44 20 79")
    page.press("#newsletter-phone", "Enter")
    submit_enabled(page)
    assert field_error(page, "newsletter-phone", "Please enter a phone number")
    assert attribute(page, "#newsletter-email", "aria-invalid") is None
    page.press("#segment-id", "Enter")
    assert field_error(page, "segment-id", "Please enter a segment") == (
        "Please enter a segment number, like 100500."
    )
    assert adds(page) == []
    page.fill("#newsletter-phone", "")
    page.press("#newsletter-email", "Enter")
    wait_for_status(page, "newsletter-status", "Thanks!")
    assert attribute(page, "#newsletter-phone", "aria-invalid") is None
    assert len(adds(page)) == 1
    reasons = {
        "314": "Frequent buyers is worked out by the shop, so it cannot be joined.",
        "999": "this shop has no segment 999.",
        "abc": "this shop has no segment abc.",
        "ann.lee@example.com": "this shop has no segment ann.lee@example.com.",
    }
    for sent, (typed, reason) in enumerate(reasons.items(), start=2):
        page.fill("#segment-id", typed)
        page.press("#segment-id", "Enter")
        # The whole sentence: the one before it also starts "That did not".
        refusal = f"That did not take effect: {reason}"
        assert wait_for_status(page, "profile-status", refusal) == (refusal, "error")
        assert len(adds(page)) == sent
        assert segment_lines(page) == [NEWSLETTER]
    lines = page.evaluate("window.pageWatch.console")
    assert any("refused before sending" in line for line in lines), lines
    assert not [line for line in lines if "ann.lee" in line or "20 79" in line]


def test_touch_targets_and_inputs_fit_a_phone(page, demo_server):
    """At 390 px every control is at least 44 px square, inputs 16 px text, no sideways scroll."""
    if page.engine == "webkit":
        pytest.skip("MiniBrowser's window is never narrower than 447 px")
    page.set_viewport(**PHONE)
    open_demo(page, demo_server, "?type=mpy")
    assert page.evaluate("innerWidth") == PHONE["width"]
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


@pytest.mark.parametrize("worker", WORKERS, ids=lambda configuration: configuration.id)
def test_worker_without_isolation_says_what_to_do(page, demo_server, worker):
    """Without cross-origin isolation a ?worker page explains itself instead of loading forever."""
    page.goto(demo_server.url + "?" + worker.query)
    assert page.evaluate("crossOriginIsolated") is False
    assert "-m sandbox --isolate" in page.text("#status")
    assert attribute(page, "#status", "class") == "error"
    assert not [url for url in page.requests if url.endswith("/main.py")]
