"""The sandbox's stand-in SDK (``sandbox/v3.js``) in each engine: it says what it ignores, and
serves the ``r46`` global of REES46 and older PersonaClick installs as it does ``personaclick``."""

from __future__ import annotations

SHOP_ID = "demo-shop"
EMAIL = "john.doe@examplestore.com"
PHONE = "+15551234567"
IGNORED = "is not implemented by the sandbox's stand-in SDK and was ignored"


def open_sdk_page(page, sandbox, global_name="personaclick"):
    """Open the page with its loader stub under ``global_name``; the SDK is not loaded yet."""
    page.goto(f"{sandbox.url}tests/browser/sandbox_sdk.html?global={global_name}")
    page.wait_for("document.readyState === 'complete'")


def test_each_kind_of_ignored_call_warns_once(page, sandbox):
    """track twice (once queued before the SDK loads) and recommend once: one warning for each
    kind, naming the call and none of its arguments."""
    open_sdk_page(page, sandbox)
    contacts = {"email": EMAIL, "phone": PHONE}
    page.evaluate("contacts => personaclick('track', 'view', contacts)", contacts)
    page.evaluate("loadSdk()")
    page.evaluate("contacts => personaclick('track', 'cart', contacts)", contacts)
    page.evaluate("contacts => personaclick('recommend', 'block-1', contacts, () => {})", contacts)
    assert page.evaluate("warnings") == [
        f'personaclick("track", …) {IGNORED}',
        f'personaclick("recommend", …) {IGNORED}',
    ]


def test_warnings_quote_only_call_names(page, sandbox):
    """An unknown segment action warns with its name; a first argument that is not a call name
    (an email, a phone number) is never quoted; the calls the SDK implements warn nothing."""
    open_sdk_page(page, sandbox)
    page.evaluate("loadSdk()")
    page.evaluate(
        """([email, phone]) => {
          personaclick("segment", "list", { email });
          personaclick(email);
          personaclick(phone, { phone });
          personaclick("segment", "add", { segment_id: 313, email, phone });
          return new Promise((resolve) => personaclick("segment", "get", resolve));
        }""",
        [EMAIL, PHONE],
    )
    assert page.evaluate("warnings") == [
        f'personaclick("segment", "list", …) {IGNORED}',
        f"personaclick(<not a name>, …) {IGNORED}",
    ]


def test_r46_global_is_served(page, sandbox):
    """On a page whose loader stub is r46, the SDK takes that global over: it replays its queue
    and answers r46("segment", "get", cb) with the visitor's segments."""
    open_sdk_page(page, sandbox, "r46")
    page.evaluate("r46('segment', 'add', { segment_id: 100500 })")
    page.evaluate("loadSdk()")
    assert page.evaluate("typeof personaclick") == "undefined"
    did = page.evaluate("new Promise((resolve) => r46('did', resolve))")
    sandbox.store.set_membership(SHOP_ID, did, 313, True)
    segments = page.evaluate("new Promise((resolve) => r46('segment', 'get', resolve))")
    assert segments == [{"id": 313, "type": "static"}, {"id": 100500, "type": "static"}]
    assert page.evaluate("warnings") == []
