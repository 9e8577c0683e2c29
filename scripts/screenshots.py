"""Take the README's screenshots of the demo store: desktop and a 390 px phone, as a VIP member.

.venv/bin/python -m scripts.screenshots    # writes docs/demo-desktop.png and docs/demo-phone.png
"""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from browsers.chromium import CHROMIUM, CHROMIUM_ARGS
from sandbox.server import start_server

ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {"desktop": {"width": 1100, "height": 760}, "phone": {"width": 390, "height": 844}}
BOOT_TIMEOUT_MS = 120_000


def shoot(browser, url, viewport, path):
    """Open the page, join the VIP segment, and save a full-page screenshot."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(
        "document.getElementById('status').textContent === 'Ready.'", timeout=BOOT_TIMEOUT_MS
    )
    page.click("#joinable button[data-segment='313']")
    page.wait_for_function("document.getElementById('profile-status').className === 'done'")
    page.screenshot(path=path, full_page=True)
    context.close()


def main():
    (ROOT / "docs").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        server = start_server(data_dir=data)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, viewport in VIEWPORTS.items():
                # A fresh context is a fresh visitor, so each shot starts outside every segment.
                shoot(
                    browser, f"{server.url}?type=mpy", viewport, ROOT / "docs" / f"demo-{name}.png"
                )
        finally:
            browser.close()
            server.close()


if __name__ == "__main__":
    main()
