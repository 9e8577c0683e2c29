"""The README's "Use it on your own page" blocks, copied as printed into a folder of their own.

The page is assembled from the README's loader, PyScript tags, pyscript.toml and main.py, served by
a second server on another port (the developer's own), pointed at the sandbox the way the README
says, and clicked through on every engine: the widget lists the visitor's segments, joins one
and leaves it.
"""

import re
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from browsers import serve
from readme import offline, readme_blocks

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_IN_README = "http://127.0.0.1:8000/"
SHOP = "demo-shop"
# The stand-in SDK keeps the visitor's device id in this cookie of the page's origin.
DEVICE_ID = """decodeURIComponent(document.cookie.split("; ")
  .find((pair) => pair.startsWith("personaclick_device_id=")).split("=")[1])"""
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


@pytest.fixture(scope="module")
def sandbox():
    """The sandbox as the README starts it: no cross-origin-isolation headers, so another
    origin's page may load its SDK."""
    with serve(isolate=False) as started:
        yield started


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
def test_readme_widget_lists_joins_and_leaves(variant, dev_server, sandbox, page):
    """The README's page, copied as printed, lists, adds and removes the visitor's segments."""
    folder, url = dev_server
    assemble_page(folder, sandbox, *VARIANTS[variant])
    page.goto(url)
    page.wait_for("document.getElementById('segments').textContent.startsWith('Your segments:')")
    assert page.text("#segments") == "Your segments: none"
    page.click("#join")
    page.wait_for("document.getElementById('segments').textContent.includes('100500')")
    assert page.text("#segments") == "Your segments: 100500"
    page.click("#leave")
    page.wait_for("document.getElementById('segments').textContent === 'Your segments: none'")
    did = page.evaluate(DEVICE_ID)
    assert sandbox.store.segment_ids(SHOP, did) == []
