"""Python on a page, through the bridge and the stand-in SDK, to the sandbox API and SQLite."""

import json

import pytest

from conftest import BOOT_TIMEOUT_MS
from sandbox.server import start_server
from served_pages import page_folder

SHOP_ID = "demo-shop"
MANY = 200


@pytest.fixture
def restartable(tmp_path):
    """A sandbox of its own whose shop has MANY static segments (ids 1..MANY); restartable."""
    seed = tmp_path / "seed.json"
    segments = [{"id": n, "name": f"Segment {n}", "type": "static"} for n in range(1, MANY + 1)]
    shop = {"id": SHOP_ID, "name": "Test Store", "segments": segments}
    seed.write_text(json.dumps({"shops": [shop]}))
    holder = SandboxHolder(page_folder(tmp_path / "pages"), tmp_path / "data", seed)
    yield holder
    holder.server.close()


class SandboxHolder:
    def __init__(self, pages, data_dir, seed):
        self.options = {"root": pages, "data_dir": data_dir, "seed_path": seed}
        self.server = start_server(**self.options)

    def restart(self):
        """Stop the server and start a new one on the same port and data folder."""
        self.server.close()
        self.server = start_server(**self.options, port=self.server.port)


def open_harness(watched, server, load_sdk=True):
    page = watched.page
    page.goto(server.url + "tests/browser/e2e.html")
    page.wait_for_selector("#ready[data-ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
    if load_sdk:
        page.evaluate("loadSdk()")
    return page


def call(page, op, *args, **kwargs):
    request = json.dumps({"op": op, "args": args, "kwargs": kwargs})
    return json.loads(page.evaluate("request => bridgeCall(request)", request))


def memberships(page, server):
    return server.store.segment_ids(SHOP_ID, page.evaluate("deviceId()"))


def api_requests(watched, endpoint):
    return [url for url in watched.requests if f"/segments/{endpoint}" in url]


def test_join_list_leave(watched_page, restartable):
    """A join lands in the database and in segment_get; a leave removes it from both."""
    page = open_harness(watched_page, restartable.server)
    assert call(page, "add", 7, email="ann@example.com") == {"ok": None}
    assert call(page, "get") == {"ok": [{"id": 7, "type": "static"}]}
    assert memberships(page, restartable.server) == [7]
    assert call(page, "remove", 7) == {"ok": None}
    assert call(page, "get") == {"ok": []}
    assert memberships(page, restartable.server) == []


def test_calls_before_the_sdk_arrives_are_delivered_once_in_order(watched_page, restartable):
    """Calls queued on the loader stub reach the API exactly once, in call order."""
    page = open_harness(watched_page, restartable.server, load_sdk=False)
    call(page, "add", 1)
    call(page, "add", 2)
    call(page, "remove", 1)
    call(page, "start_get", 5)
    assert api_requests(watched_page, "add") == []
    page.evaluate("loadSdk()")
    assert call(page, "finish_get") == {"ok": [{"id": 2, "type": "static"}]}
    assert len(api_requests(watched_page, "add")) == 2
    assert len(api_requests(watched_page, "remove")) == 1
    assert len(api_requests(watched_page, "get")) == 1


def test_memberships_survive_a_server_restart_and_a_page_reload(watched_page, restartable):
    """After a restart of the sandbox and a reload of the page, the device keeps its segments."""
    page = open_harness(watched_page, restartable.server)
    call(page, "add", 42)
    assert call(page, "get") == {"ok": [{"id": 42, "type": "static"}]}
    restartable.restart()
    page.reload()
    page.wait_for_selector("#ready[data-ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
    page.evaluate("loadSdk()")
    assert call(page, "get") == {"ok": [{"id": 42, "type": "static"}]}


@pytest.mark.parametrize(
    "fault, browser_error",
    [
        ({"status": 503}, "status of 503"),
        ({"drop": True}, "ERR_EMPTY_RESPONSE"),
    ],
)
def test_api_outage_is_a_timeout_and_the_page_recovers(
    watched_page, restartable, fault, browser_error
):
    """With the API down segment_get raises SDKTimeoutError; once it is back, calls work again."""
    watched_page.expect_console_errors(browser_error)
    page = open_harness(watched_page, restartable.server)
    call(page, "add", 3)
    restartable.server.faults.set("get", **fault)
    answer = call(page, "get", timeout=1)
    assert answer["error"] == "SDKTimeoutError", answer
    restartable.server.faults.clear()
    assert call(page, "get") == {"ok": [{"id": 3, "type": "static"}]}


def test_concurrent_joins_all_land(watched_page, restartable):
    """200 concurrent segment_add calls from the page all land in the database."""
    page = open_harness(watched_page, restartable.server)
    assert call(page, "add_many", list(range(1, MANY + 1))) == {"ok": None}
    answer = call(page, "get", timeout=30)
    assert [segment["id"] for segment in answer["ok"]] == list(range(1, MANY + 1))
    assert memberships(page, restartable.server) == list(range(1, MANY + 1))
