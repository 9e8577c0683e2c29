"""Debian's WebKitGTK through Selenium and WebKitWebDriver, on a virtual display.

WebKitWebDriver speaks classic WebDriver only: it reports no console messages and no network
events, and runs no script before a page's own. So the harness watches from two other places:
the refusing proxy records every request not for 127.0.0.1 (page and workers), and
``watcher.js`` records console errors, uncaught errors, unhandled rejections and the page's
resource requests, in the page and in each worker it starts from a blob (PyScript's workers).
The harness's sandbox puts it first in every page it serves (``watched_pages.py``); a page from
elsewhere gets it once loaded, too late for the errors logged before and for its workers.
"""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.webkitgtk.options import Options

from browsers.page import DEFAULT_TIMEOUT_MS, Page
from browsers.refusing_proxy import RefusingProxy
from browsers.watched_pages import WATCHER

DRIVER = "/usr/bin/WebKitWebDriver"
# Debian's libwebkit2gtk-4.1-0 puts it under the architecture's library folder.
MINIBROWSER = next(iter(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser")), "MiniBrowser")
# WebKitGTK ships SharedArrayBuffer switched off; PyScript workers need it.
ENVIRONMENT = {"JSC_useSharedArrayBuffer": "1"}
# For tests: JavaScriptCore's optimising WebAssembly tier (OMG) compiles Pyodide's hot functions
# again in the background, which on two cores halves the pace of the page itself (a Pyodide page
# 7.3 s against 3.7 s on its baseline tier, BBQ). Benchmarks keep the tiers a shopper's has.
BASELINE_WASM = {"JSC_useOMGJIT": "0"}
POLL_SECONDS = 0.05
# Longer than any one command the harness sends: a page load or a script, each bounded below.
COMMAND_TIMEOUT_S = 2 * DEFAULT_TIMEOUT_MS / 1000
# Runs in the page: the script is an expression, or a function called with arg; awaited.
RUN = """
const [source, arg, done] = arguments;
Promise.resolve()
  .then(() => {
    const value = (0, eval)(`(${source})`);
    return typeof value === "function" ? value(arg) : value;
  })
  .then(
    (value) => done({ value: value === undefined ? null : value }),
    (error) => done({ error: String((error && error.stack) || error) }),
  );
"""
COLLECT = "return window.pageWatch ? [window.pageWatch.requests, window.pageWatch.errors] : null"


class WebKitError(RuntimeError):
    """A script that threw in a WebKit page, with its message."""


def _session(driver_url: str, proxy: RefusingProxy) -> webdriver.Remote:
    """A new MiniBrowser session, its requests for anywhere but 127.0.0.1 sent to proxy."""
    options = Options()
    options.binary_location = MINIBROWSER
    for argument in ("--automation", f"--proxy={proxy.url}", "--ignore-host=127.0.0.1"):
        options.add_argument(argument)
    # A finite wait for the driver's answers: a browser that died fails the test, not hangs it.
    config = ClientConfig(remote_server_addr=driver_url, timeout=COMMAND_TIMEOUT_S)
    driver = webdriver.Remote(
        command_executor=RemoteConnection(client_config=config), options=options
    )
    driver.set_script_timeout(DEFAULT_TIMEOUT_MS / 1000)
    driver.set_page_load_timeout(DEFAULT_TIMEOUT_MS / 1000)
    return driver


def _fresh_tab(driver: webdriver.Remote) -> None:
    """Go on in a new tab of driver's session and close every other: a new document and session
    storage, the profile's cache kept."""
    earlier = driver.window_handles
    driver.switch_to.new_window("tab")
    fresh = driver.current_window_handle
    for handle in earlier:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(fresh)


class WebKitPage(Page):
    """A tab of the engine's MiniBrowser session."""

    engine = "webkit"

    def __init__(self, driver: webdriver.Remote, proxy: RefusingProxy) -> None:
        super().__init__()
        self.driver = driver
        self._proxy = proxy
        self._first_attempt = len(proxy.attempts)
        # What earlier documents of this page recorded (a navigation forgets window.pageWatch).
        self._earlier_requests: list[str] = []
        self._earlier_errors: list[str] = []

    def _current(self) -> tuple[list[str], list[str]]:
        return self.driver.execute_script(COLLECT) or ([], [])

    def _collect(self) -> None:
        requests, errors = self._current()
        refused = self._proxy.attempts[self._first_attempt :]
        self._requests = self._earlier_requests + requests + refused
        self._errors = self._earlier_errors + errors

    def _navigate(self, navigate) -> None:
        requests, errors = self._current()
        self._earlier_requests += requests
        self._earlier_errors += errors
        navigate()
        self.driver.execute_script(WATCHER)

    def goto(self, url: str) -> None:
        self._navigate(lambda: self.driver.get(url))

    def reload(self) -> None:
        self._navigate(self.driver.refresh)

    def evaluate(self, script: str, arg: object = None) -> object:
        outcome = self.driver.execute_async_script(RUN, script, arg)
        if "error" in outcome:
            raise WebKitError(outcome["error"])
        return outcome["value"]

    def wait_for(self, script: str, arg: object = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        deadline = time.monotonic() + timeout_ms / 1000
        while not (value := self.evaluate(script, arg)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"webkit: waited {timeout_ms} ms for {script}")
            time.sleep(POLL_SECONDS)
        return value

    def _element(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector: str) -> None:
        self._element(selector).click()

    def fill(self, selector: str, text: str) -> None:
        element = self._element(selector)
        element.clear()
        if text:  # WebKitWebDriver refuses to send no keys
            element.send_keys(text)

    def press(self, selector: str, key: str) -> None:
        self._element(selector).send_keys(getattr(Keys, key.upper()))

    def close(self) -> None:
        self._forget()
        try:
            self.driver.delete_all_cookies()
        except WebDriverException:  # no web page open: no cookies to see
            pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebKit:
    """WebKitWebDriver under ``xvfb-run`` and one MiniBrowser session, started once; each page is
    a new tab of it (a new session is seconds, a new tab a fraction of one)."""

    name = "webkit"

    def __init__(self, proxy: RefusingProxy, baseline_wasm: bool = False) -> None:
        self._proxy = proxy
        port = _free_port()
        self._url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [
                "xvfb-run",
                # The first free display from a number of this process's own: sessions started
                # close together (back-to-back or parallel runs) look apart.
                f"--server-num={100 + os.getpid() % 800}",
                "--auto-servernum",
                # Without -noreset, Xvfb resets as each page's MiniBrowser leaves, and the next
                # one may find no display ("cannot open display").
                "--server-args=-screen 0 1280x1024x24 -noreset",
                DRIVER,
                f"--port={port}",
                "--host=127.0.0.1",
                # One session at a time: a page left open by a failed test gives way to the next.
                "--replace-on-new-session",
            ],
            env={**os.environ, **ENVIRONMENT, **(BASELINE_WASM if baseline_wasm else {})},
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # one group: closing ends xvfb-run, Xvfb and the driver
        )
        self._wait_for_driver(port)
        self._driver: webdriver.Remote | None = None

    def _wait_for_driver(self, port: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(POLL_SECONDS)
        raise RuntimeError("WebKitWebDriver did not start")

    def new_page(self) -> WebKitPage:
        if self._driver is not None:
            try:
                _fresh_tab(self._driver)
            except WebDriverException:  # the browser died with a failed test: start another
                self._driver = None
        if self._driver is None:
            self._driver = _session(self._url, self._proxy)
        return WebKitPage(self._driver, self._proxy)

    def close(self) -> None:
        if self._driver is not None:
            self._driver.quit()
        os.killpg(self._process.pid, signal.SIGTERM)
        self._process.wait(timeout=30)
