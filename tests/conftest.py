"""Shared fixtures: the sandbox server on 127.0.0.1 and headless Chromium watching every page."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS
from sandbox.server import start_server
from served_pages import page_folder

# The sandbox API tests' fixtures (root, data_dir, sandbox) live beside their client helpers.
pytest_plugins = ["sandbox_helpers"]

ROOT = Path(__file__).resolve().parent.parent
BOOT_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def isolated_server(tmp_path_factory):
    """The test pages served with the cross-origin-isolation headers that PyScript workers need."""
    pages = page_folder(tmp_path_factory.mktemp("pages"))
    sandbox = start_server(root=pages, data_dir=tmp_path_factory.mktemp("data"), isolate=True)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class WatchedPage:
    """A page in its own context that records every request and every console error."""

    def __init__(self, browser):
        self.context = browser.new_context()
        self.requests = []
        self.failed_requests = []
        self.console_errors = []
        self.expected_errors = ()
        # Context-level events see the requests of workers too.
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("requestfailed", lambda request: self.failed_requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("worker", lambda worker: worker.on("console", self._on_console))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def expect_console_errors(self, *fragments):
        """Tolerate console errors containing one of fragments (the browser's own network logs)."""
        self.expected_errors = fragments

    def _on_console(self, message):
        if message.type == "error" and not any(f in message.text for f in self.expected_errors):
            self.console_errors.append(message.text)

    def foreign_requests(self):
        """Requests that went anywhere but 127.0.0.1 (data: and blob: stay in the page)."""
        return [
            url
            for url in self.requests + self.failed_requests
            if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).hostname != "127.0.0.1"
        ]

    def assert_offline_and_quiet(self):
        assert self.foreign_requests() == []
        assert self.console_errors == []

    def close(self):
        self.context.close()


@pytest.fixture
def watched_page(browser):
    """A fresh page; the test fails if it reached beyond 127.0.0.1 or logged a console error."""
    watched = WatchedPage(browser)
    yield watched
    try:
        watched.assert_offline_and_quiet()
    finally:
        watched.close()
