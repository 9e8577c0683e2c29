"""Launching an engine by name; each one keeps every page's requests on this machine.

All three send any request that is not for 127.0.0.1 to a refusing proxy on 127.0.0.1, so
nothing a page does leaves the machine, and the proxy's record backs up the engine's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol

from browsers.page import Page
from browsers.refusing_proxy import RefusingProxy

ENGINES = ("chromium", "firefox", "webkit")


class Engine(Protocol):
    """A running browser: ``new_page()`` opens a fresh page with its own profile."""

    name: str

    def new_page(self) -> Page: ...

    def close(self) -> None: ...


def launch(
    name: str,
    proxy: RefusingProxy,
    *,
    chromium_args: tuple[str, ...] = (),
    baseline_wasm: bool = False,
) -> Engine:
    """Start the engine called name (one of ENGINES); close it with ``close()``. With
    ``baseline_wasm``, WebKit compiles WebAssembly on its baseline tier alone (browsers/webkit.py:
    what the tests use)."""
    # Imported here: each engine needs its own driver package, and a run may use only one.
    if name == "chromium":
        from browsers.chromium import Chromium

        return Chromium(proxy, chromium_args)
    if name == "firefox":
        from browsers.firefox import Firefox

        return Firefox(proxy)
    if name == "webkit":
        from browsers.webkit import WebKit

        return WebKit(proxy, baseline_wasm)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")


@contextlib.contextmanager
def running(
    name: str, *, chromium_args: tuple[str, ...] = (), baseline_wasm: bool = False
) -> Iterator[Engine]:
    """The engine called name, with its refusing proxy, both closed on the way out."""
    proxy = RefusingProxy()
    try:
        engine = launch(name, proxy, chromium_args=chromium_args, baseline_wasm=baseline_wasm)
        try:
            yield engine
        finally:
            engine.close()
    finally:
        proxy.close()


@contextlib.contextmanager
def open_page(engine: Engine, url: str) -> Iterator[Page]:
    """A fresh page of engine at url, closed on the way out."""
    page = engine.new_page()
    try:
        page.goto(url)
        yield page
    finally:
        page.close()
