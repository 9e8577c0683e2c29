"""The browser harness on each engine: pages run, and the watchers catch what breaks the rules."""

import time

import pytest

# What a misdeed of tests/browser/misbehaving.html leaves in the page's record.
MISDEEDS = {
    "foreign-fetch": ("requests", "http://personaclick.invalid/v3.js"),
    "foreign-script": ("requests", "cdn.personaclick.invalid"),
    "worker-fetch": ("requests", "http://personaclick.invalid/api"),
    "console-error": ("errors", "misbehaving page: console.error"),
    "uncaught-error": ("errors", "misbehaving page: uncaught"),
    "unhandled-rejection": ("errors", "misbehaving page: rejected"),
    "worker-console-error": ("errors", "misbehaving worker"),
    "loading-error": ("errors", "misbehaving page: loading"),
}
RECORD_WAIT_S = 10


def recorded(page, record, fragment):
    """The page's record of requests or errors, once it shows fragment or RECORD_WAIT_S has
    passed: an engine may report a worker's misdeed a moment after the page is done."""
    deadline = time.monotonic() + RECORD_WAIT_S
    while True:
        page.evaluate("0")  # a round trip, in which the driver hands over the events it holds
        seen = page.foreign_requests() if record == "requests" else page.console_errors
        if any(fragment in entry for entry in seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def misbehave(page, sandbox, misdeed):
    """page, once it has committed misdeed."""
    page.goto(f"{sandbox.url}tests/browser/misbehaving.html?{misdeed}")
    page.evaluate("name => misbehave(name)", misdeed)
    page.wait_for("document.body.hasAttribute('data-done')")
    return page


def open_misbehaving(engine, sandbox, misdeed):
    """A fresh page of engine that has committed misdeed."""
    return misbehave(engine.new_page(), sandbox, misdeed)


def test_a_page_runs_scripts_and_forms(page, sandbox):
    """A page loads from the sandbox, runs scripts and takes typed input and clicks."""
    page.goto(f"{sandbox.url}tests/browser/misbehaving.html")
    assert page.evaluate("n => n * 2", 21) == 42
    assert page.evaluate("Promise.resolve('awaited')") == "awaited"
    page.evaluate(
        """() => {
        const input = Object.assign(document.createElement("input"), { id: "name" });
        const button = Object.assign(document.createElement("button"), { id: "go" });
        button.onclick = () => (document.body.dataset.clicked = input.value);
        input.onkeydown = (event) => (document.body.dataset.key = event.key);
        document.body.append(input, button);
    }"""
    )
    page.fill("#name", "Ann")
    page.press("#name", "Enter")
    page.click("#go")
    assert page.wait_for("document.body.dataset.clicked") == "Ann"
    assert page.evaluate("document.body.dataset.key") == "Enter"
    assert page.text("title") == "A page that breaks the rules tests hold pages to"
    assert f"{sandbox.url}tests/browser/misbehaving.html" in page.requests


@pytest.mark.parametrize("misdeed", MISDEEDS)
def test_watchers_catch_what_breaks_the_rules(engine, sandbox, misdeed):
    """A foreign request or a logged error makes assert_offline_and_quiet fail, on every engine."""
    page = open_misbehaving(engine, sandbox, misdeed)
    try:
        record, fragment = MISDEEDS[misdeed]
        seen = recorded(page, record, fragment)
        assert any(fragment in entry for entry in seen), seen
        with pytest.raises(AssertionError):
            page.assert_offline_and_quiet()
    finally:
        page.close()


def test_expected_errors_are_tolerated(engine, sandbox):
    """An error the test declares expected (a network message) does not fail the page."""
    page = open_misbehaving(engine, sandbox, "console-error")
    try:
        page.expect_console_errors("misbehaving page")
        page.assert_offline_and_quiet()
    finally:
        page.close()


def test_a_page_in_a_profile_folder_of_its_own_is_watched(engine, sandbox, tmp_path):
    """The benchmarks' Chromium page in a profile folder of its own (a first visit's empty
    cache) records what its page does as every page does."""
    if engine.name != "chromium":
        pytest.skip("profile folders are the Chromium harness's alone")
    page = engine.new_page(profile=tmp_path)
    try:
        misbehave(page, sandbox, "console-error")
        seen = recorded(page, "errors", "misbehaving page: console.error")
        assert any("misbehaving page: console.error" in error for error in seen), seen
        assert f"{sandbox.url}tests/browser/misbehaving.html?console-error" in page.requests
    finally:
        page.close()


def test_a_page_starts_with_no_cookies_or_storage_of_the_page_before(engine, sandbox):
    """Pages share their engine's profile for its cache, not what an earlier page stored."""
    url = f"{sandbox.url}tests/browser/misbehaving.html"
    stored = (
        """() => [document.cookie, localStorage.getItem("seen"), sessionStorage.getItem("seen")]"""
    )
    for _visit in ("first", "second"):  # the second finds nothing of the first
        page = engine.new_page()
        try:
            page.goto(url)
            assert page.evaluate(stored) == ["", None, None]
            page.evaluate(
                """() => {
                document.cookie = "seen=yes; path=/";
                localStorage.setItem("seen", "yes");
                sessionStorage.setItem("seen", "yes");
            }"""
            )
            assert page.evaluate(stored) == ["seen=yes", "yes", "yes"]
        finally:
            page.close()
