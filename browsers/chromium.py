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
    """A page in a browser context of its own (a fresh profile and cache)."""

    engine = "chromium"

    def __init__(self, context) -> None:
        super().__init__()
        self._context = context
        # Context-level events see the requests of workers too.
        self._context.on("request", lambda request: self._requests.append(request.url))
        self._open_tab()

    def _open_tab(self) -> None:
        self.playwright_page = self._context.new_page()
        self.playwright_page.on("console", self._on_console)
        self.playwright_page.on("worker", lambda worker: worker.on("console", self._on_console))
        self.playwright_page.on(
            "pageerror", lambda error: self._errors.append(f"uncaught: {error}")
        )

    def new_tab(self) -> None:
        """Close this page's tab and go on in a new one of the same context, watched the same:
        a fresh document with the profile and cache kept (a returning shopper's next visit)."""
        self.playwright_page.close()
        self._open_tab()

    def _on_console(self, message) -> None:
        if message.type == "error":
            self._errors.append(message.text)

    def goto(self, url: str) -> None:
        self.playwright_page.goto(url)

    def reload(self) -> None:
        self.playwright_page.reload()

    def add_init_script(self, script: str) -> None:
        self._context.add_init_script(script)

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
        self._context.close()


class Chromium:
    """Headless Chromium, launched once; each page gets a fresh context."""

    name = "chromium"

    def __init__(self, proxy: RefusingProxy, extra_args: tuple[str, ...] = ()) -> None:
        self._playwright = sync_playwright().start()
        # Loopback bypasses the proxy; everything else is refused there.
        self._args = [*CHROMIUM_ARGS, f"--proxy-server={proxy.url}", *extra_args]
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=self._args)

    def new_page(self, profile: Path | None = None) -> ChromiumPage:
        """A page in a fresh context of this browser; with ``profile``, in a browser of its own
        whose profile, disk cache included, is that empty folder (a shopper's first visit)."""
        if profile is None:
            return ChromiumPage(self._browser.new_context())
        context = self._playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=self._args
        )
        return ChromiumPage(context)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()
