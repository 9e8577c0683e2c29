"""One browser harness for the tests and the benchmarks: three engines behind one page interface.

Chromium (Playwright), Firefox ESR (puppeteer-core over WebDriver BiDi) and WebKitGTK (Selenium's
WebKitWebDriver under ``xvfb-run``), all from Debian's packages. A test asks for an engine by name
and gets pages with the same methods, each recording the requests and errors of the page and its
workers, whatever the engine::

    from browsers import CONFIGURATIONS, open_page, running, serve

    with serve() as sandbox, running("firefox") as engine:
        for configuration in CONFIGURATIONS:
            with open_page(engine, f"{sandbox.url}?{configuration.query}") as page:
                page.wait_for("document.getElementById('status').textContent === 'Ready.'")
                page.assert_offline_and_quiet()

Public names: ``CHEAPEST``, ``CONFIGURATIONS``, ``Configuration``, ``ENGINES``, ``Engine``,
``INSTALLS``, ``Page``, ``Sandbox``, ``SandboxProcess``, ``Setup``, ``configurations``,
``open_page``, ``running``, ``serve``, ``setups``, ``stays_on_loopback``.
"""

from browsers.configurations import (
    CHEAPEST,
    CONFIGURATIONS,
    INSTALLS,
    Configuration,
    Setup,
    configurations,
    setups,
)
from browsers.engines import ENGINES, Engine, open_page, running
from browsers.page import Page, stays_on_loopback
from browsers.sandbox import Sandbox, SandboxProcess, serve

__all__ = [
    "CHEAPEST",
    "CONFIGURATIONS",
    "ENGINES",
    "INSTALLS",
    "Configuration",
    "Engine",
    "Page",
    "Sandbox",
    "SandboxProcess",
    "Setup",
    "configurations",
    "open_page",
    "running",
    "serve",
    "setups",
    "stays_on_loopback",
]
