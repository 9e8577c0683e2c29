"""Python on a page, through the bridge and the stand-in SDK, to the sandbox API and SQLite.

Each test has a sandbox of its own (its database and faults are the test's) and so a page of its
own; the page's Python is MicroPython's, which boots fastest: what is checked is the sandbox.
"""

import json

import pytest

from browsers import serve

SHOP_ID = "demo-shop"
MANY = 200
SHOPS = [
    {
        "id": SHOP_ID,
        "name": "Test Store",
        "segments": [
            {"id": n, "name": f"Segment {n}", "type": "static"} for n in range(1, MANY + 1)
        ],
    }
]
READY = "document.querySelector('#ready[data-ready]')"


@pytest.fixture
def restartable():
    """A sandbox of its own whose shop has MANY static segments (ids 1..MANY); restartable."""
    with serve(shops=SHOPS, isolate=False, pages=True) as server:
        yield server


def open_harness(page, server, load_sdk=True):
    page.goto(server.url + "tests/browser/e2e.html")
    page.wait_for(READY)
    if load_sdk:
        page.evaluate("loadSdk()")
    return page


def call(page, op, *args, **kwargs):
    request = json.dumps({"op": op, "args": args, "kwargs": kwargs})
    return json.loads(page.evaluate("request => bridgeCall(request)", request))


def memberships(page, server):
    return server.store.segment_ids(SHOP_ID, page.evaluate("deviceId()"))


def api_requests(page, endpoint):
    return [url for url in page.requests if f"/segments/{endpoint}" in url]


def test_join_list_leave(page, restartable):
    """A join lands in the database and in segment_get; a leave removes it from both."""
    open_harness(page, restartable)
    assert call(page, "add", 7, email="ann@example.com") == {"ok": None}
    assert call(page, "get") == {"ok": [{"id": 7, "type": "static"}]}
    assert memberships(page, restartable) == [7]
    assert call(page, "remove", 7) == {"ok": None}
    assert call(page, "get") == {"ok": []}
    assert memberships(page, restartable) == []


def test_calls_before_the_sdk_arrives_are_delivered_once_in_order(page, restartable):
    """Calls queued on the loader stub reach the API exactly once, in call order."""
    open_harness(page, restartable, load_sdk=False)
    call(page, "add", 1)
    call(page, "add", 2)
    call(page, "remove", 1)
    call(page, "start_get", 5)
    assert api_requests(page, "add") == []
    page.evaluate("loadSdk()")
    assert call(page, "finish_get") == {"ok": [{"id": 2, "type": "static"}]}
    assert len(api_requests(page, "add")) == 2
    assert len(api_requests(page, "remove")) == 1
    assert len(api_requests(page, "get")) == 1


def test_memberships_survive_a_server_restart_and_a_page_reload(page, restartable):
    """After a restart of the sandbox and a reload of the page, the device keeps its segments."""
    open_harness(page, restartable)
    call(page, "add", 42)
    assert call(page, "get") == {"ok": [{"id": 42, "type": "static"}]}
    restartable.restart()
    page.reload()
    page.wait_for(READY)
    page.evaluate("loadSdk()")
    assert call(page, "get") == {"ok": [{"id": 42, "type": "static"}]}


@pytest.mark.parametrize(
    "fault, browser_errors",
    [
        ({"status": 503}, ("status of 503",)),
        ({"drop": True}, ("ERR_EMPTY_RESPONSE",)),
    ],
)
def test_api_outage_is_a_timeout_and_the_page_recovers(page, restartable, fault, browser_errors):
    """With the API down segment_get raises SDKTimeoutError; once it is back, calls work again."""
    page.expect_console_errors(*browser_errors)
    open_harness(page, restartable)
    call(page, "add", 3)
    restartable.faults.set("get", **fault)
    answer = call(page, "get", timeout=1)
    assert answer["error"] == "SDKTimeoutError", answer
    restartable.faults.clear()
    assert call(page, "get") == {"ok": [{"id": 3, "type": "static"}]}


def test_concurrent_joins_all_land(page, restartable):
    """200 concurrent segment_add calls from the page all land in the database."""
    open_harness(page, restartable)
    assert call(page, "add_many", list(range(1, MANY + 1))) == {"ok": None}
    answer = call(page, "get", timeout=30)
    assert [segment["id"] for segment in answer["ok"]] == list(range(1, MANY + 1))
    assert memberships(page, restartable) == list(range(1, MANY + 1))
