"""Debian's Chromium through Playwright: every request and console message is an event."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from browsers.page import DEFAULT_TIMEOUT_MS, Page
from browsers.refusing_proxy import RefusingProxy

CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from calling home, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumPage(Page):
    """A tab of a browser context; ``own_context`` closes the context with the tab."""

    engine = "chromium"

    def __init__(self, context, own_context: bool) -> None:
        super().__init__()
        self._context = context
        self._own_context = own_context
        # Context-level events see the requests of workers too: one tab is open at a time.
        self._context.on("request", self._on_request)
        self.playwright_page = self._context.new_page()
        self.playwright_page.on("console", self._on_console)
        self.playwright_page.on("worker", lambda worker: worker.on("console", self._on_console))
        self.playwright_page.on(
            "pageerror", lambda error: self._errors.append(f"uncaught: {error}")
        )

    def _on_request(self, request) -> None:
        self._requests.append(request.url)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self._errors.append(message.text)

    def goto(self, url: str) -> None:
        self.playwright_page.goto(url)

    def reload(self) -> None:
        self.playwright_page.reload()

    def add_init_script(self, script: str) -> None:
        self.playwright_page.add_init_script(script)

    def set_viewport(self, width: int, height: int) -> None:
        self.playwright_page.set_viewport_size({"width": width, "height": height})

    def evaluate(self, script: str, arg: object = None) -> object:
        return self.playwright_page.evaluate(script, arg)

    def wait_for(self, script: str, arg: object = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        handle = self.playwright_page.wait_for_function(script, arg=arg, timeout=timeout_ms)
        return handle.json_value()

    def click(self, selector: str) -> None:
        self.playwright_page.click(selector)

    def fill(self, selector: str, text: str) -> None:
        self.playwright_page.fill(selector, text)

    def press(self, selector: str, key: str) -> None:
        self.playwright_page.press(selector, key)

    def close(self) -> None:
        if self._own_context:
            self._context.close()
            return
        self._context.remove_listener("request", self._on_request)
        self._forget()
        self._context.clear_cookies()
        self.playwright_page.close()


class Chromium:
    """Headless Chromium, launched once with one browser context: each page is a tab of it."""

    name = "chromium"

    def __init__(self, proxy: RefusingProxy, extra_args: tuple[str, ...] = ()) -> None:
        self._playwright = sync_playwright().start()
        # Loopback bypasses the proxy; everything else is refused there.
        self._args = [*CHROMIUM_ARGS, f"--proxy-server={proxy.url}", *extra_args]
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=self._args)
        self._context = self._browser.new_context()

    def new_page(self, profile: Path | None = None) -> ChromiumPage:
        """A tab of this browser's context; with ``profile``, the tab of a browser of its own
        whose profile, disk cache included, is that empty folder (a shopper's first visit)."""
        if profile is None:
            return ChromiumPage(self._context, own_context=False)
        context = self._playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=self._args
        )
        return ChromiumPage(context, own_context=True)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()
