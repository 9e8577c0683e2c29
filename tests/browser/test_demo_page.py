"""The demo storefront, used as a shopper would, against the local sandbox, on every engine.

Each test is one visit, in a page of its own: its steps build on what the shopper did before.
"""

import pytest
from axe import violations

from browsers import CHEAPEST, CONFIGURATIONS, configurations, serve

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
NEWSLETTER = "Newsletter"
VIP = TRICKY_NAME
NO_SEGMENTS = ["You are in no segment yet."]
PRODUCTS = ["Canvas tote", "Enamel mug", "Wool scarf", "Notebook set"]
REGULAR_PRICES = ["€24.00", "€14.00", "€48.00", "€18.00"]
LOADING = "Loading your personal offers…"
READY = "Ready."
NO_SEGMENTS_FOR_NOW = "The shop works, but without your segments for now."
SUBSCRIBED = "Thanks! You are subscribed to our newsletter."
CHECK_AGAIN = "yet: we will check again when your segments are refreshed."
# What each engine logs by itself for the sandbox's refusals (422, 404) and its outage (503).
REFUSALS = ("status of 422", "status of 404")
HTTP_503_MESSAGES = ("status of 503",)
WORKERS = configurations(worker=True)
# The widgets' Python is the same everywhere: what it does with a shopper's input runs where a
# page boots fastest, and the bridge's paths and the widgets' events in every configuration
# (test_an_outage_at_load_then_joins_leaves_and_forms).
CHEAPEST_QUERY = "?" + CHEAPEST.query
PHONE = {"width": 390, "height": 844}
STATUS_TIMEOUT_MS = 15_000
# The widgets' segment_get timeout (?timeout=, 5 s by default) where a test waits out an outage.
OUTAGE_TIMEOUT = "&timeout=2"
BOOT_MS = 120_000  # a cold Pyodide boot in a worker on a busy machine, and more


@pytest.fixture(params=CONFIGURATIONS, ids=str, scope="module")
def everywhere(request, demo_server, isolated_demo_server):
    """A sandbox and query string for every configuration: workers need cross-origin isolation."""
    server = isolated_demo_server if request.param.worker else demo_server
    return server, "?" + request.param.query


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


def wait_for_status(page, status_id, prefix, timeout_ms=STATUS_TIMEOUT_MS):
    """Wait until a status line starts with prefix; return its text and class."""
    page.wait_for(
        "([id, prefix]) => document.getElementById(id).textContent.startsWith(prefix)",
        [status_id, prefix],
        timeout_ms=timeout_ms,
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
    """The member prices shown (the page holds them all, hidden from those not in VIP)."""
    return page.texts("#products .member-price:not([hidden])")


def focused(page, element_id):
    """Whether focus is on the element, once the page's handler (maybe in a worker) moved it."""
    return page.wait_for(
        "id => document.activeElement.id === id", element_id, timeout_ms=STATUS_TIMEOUT_MS
    )


def shows_typed_text(page, typed):
    """Whether the page's text shows typed (an input's own value is not its text)."""
    return page.evaluate("typed => document.body.innerText.includes(typed)", typed)


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


def test_segments_personalise_the_shop_and_an_outage_is_explained(page, demo_server):
    """Only static segments are offered; joining VIP shows its banner and prices, as text, and
    segments by name alone; with none left to offer the offers' heading goes too. With the API
    down the page says PersonaClick did not answer; Refresh works once it is up."""
    page.expect_console_errors(*HTTP_503_MESSAGES)
    open_demo(page, demo_server, CHEAPEST_QUERY + OUTAGE_TIMEOUT)
    assert count(page, "#products li") == 4
    assert offered(page) == ["Newsletter", TRICKY_NAME]
    assert visible(page, "#joinable-offers h3")
    join_offered_and_leave(page)
    assert count(page, "#segments b, #joinable b") == 0
    for segment_id, name in ((313, TRICKY_NAME), (100500, "Newsletter")):
        page.click(f"#joinable button[data-segment='{segment_id}']")
        wait_for_status(page, "profile-status", f"Done: you are now in {name}.")
    assert segment_lines(page) == [VIP, NEWSLETTER]
    assert offered(page) == []
    assert not visible(page, "#joinable-offers h3")
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
    assert wait_for_status(page, "profile-status", "Segments") == ("Segments refreshed.", "done")
    assert segment_lines(page) == [VIP, NEWSLETTER]


def join_by_form(page):
    """Enter in a field submits its form, for an offered id too, and so does a click; focus goes
    to the outcome. Text that is no segment is refused in the field, unsent and not echoed."""
    sent = len(adds(page))
    page.fill("#segment-id", "hello world!")
    page.press("#segment-id", "Enter")
    assert field_error(page, "segment-id") == "Please enter a segment number, like 100500."
    assert focused(page, "segment-id")
    page.fill("#segment-id", "100500")
    page.press("#segment-id", "Enter")
    wait_for_status(page, "profile-status", "Done: you are now in Newsletter.")
    assert focused(page, "profile-status")
    assert attribute(page, "#segment-id", "aria-invalid") is None
    assert segment_lines(page) == [NEWSLETTER]
    assert len(adds(page)) == sent + 1
    assert not shows_typed_text(page, "hello world")
    page.fill("#segment-id", "313")
    page.click("#join-submit")
    wait_for_status(page, "profile-status", f"Done: you are now in {TRICKY_NAME}.")
    assert segment_lines(page) == [VIP, NEWSLETTER]


def test_newsletter_join_is_done_only_once_segment_get_shows_it(page, demo_server):
    """Enter submits; while segment_get is slow the form says it is checking, not done; once
    done, focus is on the outcome."""
    open_demo(page, demo_server, CHEAPEST_QUERY)
    demo_server.faults.set("get", hold=True)
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
    assert wait_for_status(page, "newsletter-status", "Thanks") == (SUBSCRIBED, "done")
    # The form is gone now that the visitor gets the newsletter: focus is on its outcome.
    assert focused(page, "newsletter-status")
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
    page, demo_server
):
    """Bad input is flagged with aria-invalid and a message of its own, and nothing is sent:
    typed text that is no segment of the shop (an unknown number, words, an email typed in the
    wrong field) is refused in its field without echoing it. A dynamic segment reaches the API,
    which refuses: not done, and focus goes to the outcome. The console names the refusals for
    the developer, never the email or phone typed (every console level, as the sandbox's
    watcher in the page records)."""
    page.expect_console_errors(*REFUSALS)
    open_demo(page, demo_server, CHEAPEST_QUERY)
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
    not_a_number = "Please enter a segment number, like 100500."
    not_in_shop = "This shop has no segment with that number."
    # Each hint differs from the one before, so each wait sees its own refusal.
    for typed, hint in (
        ("999", not_in_shop),
        ("abc", not_a_number),
        ("12345", not_in_shop),
        ("hello world!", not_a_number),
        ("31337", not_in_shop),
        ("ann.lee@example.com", not_a_number),
    ):
        page.fill("#segment-id", typed)
        page.press("#segment-id", "Enter")
        assert page.wait_for(
            "hint => document.getElementById('segment-id-error').textContent === hint", hint
        )
        assert focused(page, "segment-id")
        assert not shows_typed_text(page, typed)
    page.fill("#segment-id", "314")
    page.press("#segment-id", "Enter")
    refusal = (
        "That did not take effect: Frequent buyers is worked out by the shop, so it cannot be "
        "joined."
    )
    assert wait_for_status(page, "profile-status", refusal) == (refusal, "error")
    assert focused(page, "profile-status")
    assert attribute(page, "#segment-id", "aria-invalid") is None
    assert len(adds(page)) == 2
    assert segment_lines(page) == [NEWSLETTER]
    lines = page.evaluate("window.pageWatch.console")
    assert any("refused before sending" in line for line in lines), lines
    assert not [line for line in lines if "ann.lee" in line or "20 79" in line]
    assert not [line for line in lines if "hello world" in line]


def test_touch_targets_and_inputs_fit_a_phone(page, demo_server):
    """At 390 px every control is at least 44 px square, inputs 16 px text, no sideways scroll,
    and axe-core finds no accessibility violation."""
    if page.engine == "webkit":
        pytest.skip("MiniBrowser's window is never narrower than 447 px")
    page.set_viewport(**PHONE)
    open_demo(page, demo_server, CHEAPEST_QUERY)
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
    assert violations(page) == []


@pytest.mark.parametrize("worker", WORKERS, ids=str)
def test_worker_without_isolation_says_what_to_do(page, demo_server, worker):
    """Without cross-origin isolation a ?worker page explains itself instead of loading forever;
    Python never starts, and the shopper still sees every product at its regular price."""
    page.goto(demo_server.url + "?" + worker.query)
    assert page.evaluate("crossOriginIsolated") is False
    assert "-m sandbox --isolate" in page.text("#status")
    assert attribute(page, "#status", "class") == "error"
    assert not [url for url in page.requests if url.endswith("/main.py")]
    assert page.texts("#products h3") == PRODUCTS
    assert page.texts("#products .regular-price") == REGULAR_PRICES
    assert visible(page, "#products li:last-child .regular-price")
    assert member_prices(page) == []
    assert count(page, "#products .struck") == 0


def watch_header(page):
    """Record every text the header's status line shows from now on, in window.headerTexts."""
    page.evaluate(
        """() => {
            const status = document.getElementById("status");
            window.headerTexts = [status.textContent];
            new MutationObserver(() => window.headerTexts.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
        }"""
    )


def test_the_loading_page_is_accessible(page, demo_server):
    """While the first segment_get waits, the header names what the shopper waits for (never
    Python) over products already shown, and axe-core finds no violation."""
    demo_server.faults.set("get", hold=True)
    try:
        page.goto(demo_server.url + CHEAPEST_QUERY + "&timeout=60")  # the hold decides, not it
        watch_header(page)
        assert count(page, "#products .regular-price") == 4
        assert violations(page) == []
        assert page.evaluate("window.headerTexts") == [LOADING]
    finally:
        demo_server.faults.clear()
    assert wait_for_status(page, "status", READY) == (READY, "done")


def test_an_outage_at_load_then_joins_leaves_and_forms(page, everywhere):
    """A visit in each configuration. With segment_get failing as the page loads, the header and
    "Your segments" say, in red, that segments are missing; once the API is back Refresh clears
    both, and axe-core finds no violation in either state. The widgets then join and leave, forms
    included. When the segment_get after a join fails, the page says the join is not confirmed
    yet (not "try again"), with focus there; the next segment_get that answers settles it: the
    subscription shows, and a join whose add failed too did not take effect."""
    server, query = everywhere
    page.expect_console_errors(*HTTP_503_MESSAGES)
    server.faults.set("get", status=503)
    try:
        page.goto(server.url + query + OUTAGE_TIMEOUT)
        watch_header(page)  # before the widgets' first call ends: it waits OUTAGE_TIMEOUT
        assert wait_for_status(page, "status", NO_SEGMENTS_FOR_NOW, timeout_ms=BOOT_MS) == (
            NO_SEGMENTS_FOR_NOW,
            "error",
        )
        assert wait_for_status(page, "profile-status", "PersonaClick did not answer") == (
            "PersonaClick did not answer in time. Please try again in a moment.",
            "error",
        )
        assert violations(page) == []
    finally:
        server.faults.clear()
    page.click("#refresh")
    assert wait_for_status(page, "profile-status", "Segments") == ("Segments refreshed.", "done")
    assert wait_for_status(page, "status", READY) == (READY, "done")
    assert page.evaluate("window.headerTexts") == [LOADING, NO_SEGMENTS_FOR_NOW, READY]
    assert count(page, "main") == 1
    assert count(page, "main header, header main") == 0
    assert violations(page) == []

    join_offered_and_leave(page)
    join_by_form(page)
    for segment_id, name in ((313, TRICKY_NAME), (100500, NEWSLETTER)):
        page.click(f"#segments button[data-segment='{segment_id}']")
        wait_for_status(page, "profile-status", f"Done: you have left {name}.")
    assert segment_lines(page) == NO_SEGMENTS
    submit_enabled(page)  # from a worker, after the text: an Enter now would be lost

    server.faults.set("get", status=503)
    try:
        page.fill("#newsletter-email", "ann@example.com")
        page.press("#newsletter-email", "Enter")
        assert wait_for_status(page, "newsletter-status", "We could") == (
            f"We could not confirm your subscription {CHECK_AGAIN}",
            "working",
        )
        assert focused(page, "newsletter-status")
        server.faults.set("add", status=503)
        page.fill("#segment-id", "313")
        page.press("#segment-id", "Enter")
        assert wait_for_status(page, "profile-status", "We could") == (
            f"We could not confirm that you joined {TRICKY_NAME} {CHECK_AGAIN}",
            "working",
        )
        assert focused(page, "profile-status")
        assert wait_for_status(page, "newsletter-status", "We could")[0].endswith(CHECK_AGAIN)
    finally:
        server.faults.clear()
    page.click("#refresh")
    assert wait_for_status(page, "newsletter-status", SUBSCRIBED) == (SUBSCRIBED, "done")
    assert wait_for_status(page, "profile-status", "That did not") == (
        f"That did not take effect: PersonaClick did not add you to {TRICKY_NAME}.",
        "error",
    )
    assert segment_lines(page) == [NEWSLETTER]
