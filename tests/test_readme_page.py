"""The README's "Use it on your own page" blocks, copied as printed into a folder of their own.

The page is assembled from the README's loader, PyScript tags, pyscript.toml and main.py, served by
a second server on another port (the developer's own), pointed at the sandbox the way the README
says, and clicked through: the widget lists the visitor's segments, joins one and leaves it.
"""

import json
import re
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import BOOT_TIMEOUT_MS
from sandbox_helpers import SHOP

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- readme:([\w-]+) -->\n```\w*\n(.*?)```", re.DOTALL)
CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/(dist/)?")
# Where scripts/vendor.py lays out each npm package's runtime files.
VENDORED = {
    "@pyscript/core": ("dist/", "/vendor/pyscript/"),
    "pyodide": (None, "/vendor/pyodide/"),
    "@micropython/micropython-webassembly-pyscript": (None, "/vendor/micropython/"),
}
SANDBOX_IN_README = "http://127.0.0.1:8000/"
DEVICE = "personaclick_device_id"
# The rest of a storefront page: only what the README leaves to the developer.
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
{loader}</head>
<body>
{tags}</body>
</html>
"""
INTERPRETER_LINE = re.compile(r"^interpreter = .*$", re.MULTILINE)


def readme_blocks():
    """The README's marked code blocks by name, exactly as printed."""
    return dict(BLOCK.findall(README.read_text()))


def locked_versions():
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    return {
        name.removeprefix("node_modules/"): entry.get("version") for name, entry in packages.items()
    }


def offline(text):
    """Point each pinned CDN URL at the vendored copy of the same version."""
    versions = locked_versions()

    def vendored(match):
        package, version, subfolder = match.groups()
        assert version == versions[package], f"the README pins {package}@{version}"
        expected_subfolder, local = VENDORED[package]
        assert subfolder == expected_subfolder, match.group(0)
        return local

    return CDN.sub(vendored, text)


class DevServerHandler(SimpleHTTPRequestHandler):
    """A developer's plain static server, with the MIME types PyScript's runtimes need."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".toml": "text/plain",
    }

    def log_message(self, format, *args):
        pass


@pytest.fixture
def dev_server(tmp_path):
    """The developer's own static server on another port, serving an empty page folder."""
    folder = tmp_path / "storefront"
    folder.mkdir()
    handler = partial(DevServerHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def assemble_page(folder, sandbox, interpreter, toml_name):
    """Write index.html, pyscript.toml and main.py from the README, and what they name."""
    blocks = readme_blocks()
    loader = blocks["loader-sandbox"].replace(SANDBOX_IN_README, sandbox.url)
    tags = blocks["page"]
    toml = blocks[toml_name]
    if interpreter == "mpy":
        # As the README says: type="mpy", and MicroPython's interpreter line.
        tags = tags.replace('type="py"', 'type="mpy"')
        (micropython_line,) = INTERPRETER_LINE.findall(blocks["toml-micropython"])
        toml = INTERPRETER_LINE.sub(micropython_line, toml)
    page = PAGE.format(loader=loader, tags=tags)
    (folder / "index.html").write_text(offline(page))
    (folder / "pyscript.toml").write_text(offline(toml))
    (folder / "main.py").write_text(blocks["main-py"])
    (folder / "vendor").symlink_to(ROOT / "vendor")
    # "Serve it next to your page": the module, or the wheel the config names.
    shutil.copy2(ROOT / "personaclick_bridge.py", folder)
    for wheel in (ROOT / "dist").glob("*.whl"):
        shutil.copy2(wheel, folder)


VARIANTS = {
    "pyodide-module": ("py", "toml-pyodide"),
    "micropython-module": ("mpy", "toml-micropython"),
    "pyodide-wheel": ("py", "toml-wheel"),
    "micropython-wheel": ("mpy", "toml-wheel"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_readme_widget_lists_joins_and_leaves(variant, dev_server, sandbox, watched_page):
    """The README's page, copied as printed, lists, adds and removes the visitor's segments."""
    folder, url = dev_server
    assemble_page(folder, sandbox, *VARIANTS[variant])
    page = watched_page.page
    page.goto(url)
    segments = page.locator("#segments")
    page.wait_for_function(
        "document.getElementById('segments').textContent.startsWith('Your segments:')",
        timeout=BOOT_TIMEOUT_MS,
    )
    assert segments.text_content() == "Your segments: none"
    page.click("#join")
    page.wait_for_function("document.getElementById('segments').textContent.includes('100500')")
    assert segments.text_content() == "Your segments: 100500"
    page.click("#leave")
    page.wait_for_function(
        "document.getElementById('segments').textContent === 'Your segments: none'"
    )
    (did,) = {cookie["value"] for cookie in page.context.cookies() if cookie["name"] == DEVICE}
    assert sandbox.store.segment_ids(SHOP, did) == []


def test_readme_pins_what_the_repository_vendors():
    """Every CDN URL in the README names the version package-lock.json pins."""
    urls = CDN.findall(README.read_text())
    assert {package for package, _, _ in urls} == set(VENDORED)
    offline(README.read_text())  # asserts each version
