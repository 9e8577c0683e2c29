"""What a test or benchmark holds: one page of any engine, and the rule it must keep.

Every engine's page has the same methods (``goto``, ``reload``, ``evaluate``, ``wait_for``,
``click``, ``fill``, ``press``, ``text``, ``close``; ``set_viewport`` but on WebKit) and
records the URLs it requested and the errors it logged, its workers' included. A page that
reached beyond 127.0.0.1 or logged an error fails ``assert_offline_and_quiet``.

A page is a new tab of its engine's one profile: its HTTP cache is warm, as a returning
shopper's is, and what a page stores is forgotten when it closes (``FORGET``), so the next page
starts from no cookies and no storage.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Waits long enough for a cold Pyodide boot on a busy 2-core machine.
DEFAULT_TIMEOUT_MS = 120_000
# Schemes that never leave the page.
LOCAL_SCHEMES = ("data", "blob", "about")
# Run in a page as it closes, beside the driver's clearing of cookies: its origin's storage goes.
# A page that is no web page (about:blank) has none.
FORGET = """() => {
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    // no storage to forget
  }
  return true;
}"""
FORGET_TIMEOUT_MS = 5_000


def stays_on_loopback(url: str) -> bool:
    """Whether a request to url stays on this machine: 127.0.0.1, or inside the page."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


class Page:
    """A fresh page of one engine, as the module says; subclasses drive the engine.

    ``script`` arguments are JavaScript expressions; a function is called with ``arg``.
    """

    engine = ""

    def __init__(self) -> None:
        self._requests: list[str] = []
        self._errors: list[str] = []
        self._expected_errors: tuple[str, ...] = ()

    # What each engine implements.
    def goto(self, url: str) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def evaluate(self, script: str, arg: object = None) -> object:
        raise NotImplementedError

    def wait_for(self, script: str, arg: object = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        """Wait until script is truthy in the page, and return its value."""
        raise NotImplementedError

    def click(self, selector: str) -> None:
        raise NotImplementedError

    def fill(self, selector: str, text: str) -> None:
        raise NotImplementedError

    def press(self, selector: str, key: str) -> None:
        raise NotImplementedError

    def set_viewport(self, width: int, height: int) -> None:
        """Lay the page out in a viewport of width x height CSS pixels (a phone's, say)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _collect(self) -> None:
        """Bring the recorded requests and errors up to date (for engines that must ask)."""

    def _forget(self) -> None:
        """Clear the storage of the page's origin, as a page of a shared profile closes."""
        try:
            self.wait_for(FORGET, timeout_ms=FORGET_TIMEOUT_MS)
        except Exception:  # a page that crashed or hangs has nothing to hand over: it just goes
            pass

    # The same on every engine.
    def text(self, selector: str) -> str:
        """The text content of the first element matching selector."""
        return self.evaluate("s => document.querySelector(s).textContent", selector)

    def texts(self, selector: str) -> list[str]:
        """The text content of every element matching selector."""
        return self.evaluate(
            "s => [...document.querySelectorAll(s)].map(e => e.textContent)", selector
        )

    @property
    def requests(self) -> list[str]:
        """Every URL requested so far by the page and its workers."""
        self._collect()
        return list(self._requests)

    @property
    def console_errors(self) -> list[str]:
        """Console errors, uncaught errors and unhandled rejections, except the expected ones."""
        self._collect()
        return [
            error
            for error in self._errors
            if not any(fragment in error for fragment in self._expected_errors)
        ]

    def expect_console_errors(self, *fragments: str) -> None:
        """Tolerate errors containing one of fragments (the engine's own network messages)."""
        self._expected_errors = fragments

    def foreign_requests(self) -> list[str]:
        """Requests that left 127.0.0.1."""
        return [url for url in self.requests if not stays_on_loopback(url)]

    def assert_offline_and_quiet(self) -> None:
        """Fail when the page reached beyond 127.0.0.1 or logged an error."""
        foreign, errors = self.foreign_requests(), self.console_errors
        assert foreign == [], f"{self.engine}: requests beyond 127.0.0.1: {foreign}"
        assert errors == [], f"{self.engine}: errors logged: {errors}"
