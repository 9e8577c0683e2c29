"""Debian's Firefox ESR through puppeteer-core over WebDriver BiDi, from a Node process.

Playwright drives only its own patched Firefox, so ``firefox.mjs`` (puppeteer-core from
``node_modules``) launches ``/usr/bin/firefox-esr`` and answers one JSON command a line. Its page
events report the requests, console errors and uncaught errors of the page and its workers.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

from browsers.page import DEFAULT_TIMEOUT_MS, Page
from browsers.refusing_proxy import RefusingProxy

DRIVER = Path(__file__).with_name("firefox.mjs")


class FirefoxError(RuntimeError):
    """A command the Firefox driver could not carry out, with the driver's message."""


class _Driver:
    """The Node process and its line protocol: one command at a time, one answer each."""

    def __init__(self, proxy: RefusingProxy) -> None:
        self._process = subprocess.Popen(
            ["node", str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "REFUSING_PROXY_PORT": str(proxy.port)},
        )
        self._ids = itertools.count(1)
        self._read(0)

    def _read(self, command_id: int) -> object:
        line = self._process.stdout.readline()
        if not line:
            raise FirefoxError("the Firefox driver stopped")
        answer = json.loads(line)
        assert answer["id"] == command_id, answer
        if "error" in answer:
            raise FirefoxError(answer["error"])
        return answer["value"]

    def send(self, op: str, **fields: object) -> object:
        command_id = next(self._ids)
        self._process.stdin.write(json.dumps({"id": command_id, "op": op, **fields}) + "\n")
        self._process.stdin.flush()
        return self._read(command_id)

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=30)


class FirefoxPage(Page):
    """A tab of the driver's one browser context."""

    engine = "firefox"

    def __init__(self, driver: _Driver) -> None:
        super().__init__()
        self._driver = driver
        self._id = driver.send("newPage")

    def _send(self, op: str, **fields: object) -> object:
        return self._driver.send(op, page=self._id, **fields)

    def _collect(self) -> None:
        watched = self._send("watched")
        self._requests, self._errors = watched["requests"], watched["errors"]

    def goto(self, url: str) -> None:
        self._send("goto", url=url)

    def reload(self) -> None:
        self._send("reload")

    def add_init_script(self, script: str) -> None:
        self._send("addInitScript", script=script)

    def set_viewport(self, width: int, height: int) -> None:
        self._send("setViewport", width=width, height=height)

    def evaluate(self, script: str, arg: object = None) -> object:
        return self._send("evaluate", script=script, arg=arg)

    def wait_for(self, script: str, arg: object = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        return self._send("waitFor", script=script, arg=arg, timeoutMs=timeout_ms)

    def click(self, selector: str) -> None:
        self._send("click", selector=selector)

    def fill(self, selector: str, text: str) -> None:
        self._send("fill", selector=selector, text=text)

    def press(self, selector: str, key: str) -> None:
        self._send("press", selector=selector, key=key)

    def close(self) -> None:
        self._forget()
        self._send("closePage")


class Firefox:
    """Headless Firefox ESR, launched once; each page is a new tab of its one browser context."""

    name = "firefox"

    def __init__(self, proxy: RefusingProxy) -> None:
        self._driver = _Driver(proxy)

    def new_page(self) -> FirefoxPage:
        return FirefoxPage(self._driver)

    def close(self) -> None:
        self._driver.close()
