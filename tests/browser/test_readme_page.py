"""The pages of the README and docs/, copied as printed into a folder of their own.

The README's whole page with the tag, the same page against the sandbox, the page the config path
(docs/config-without-tag.md) assembles from its loader, PyScript tags, pyscript.toml and the
README's main.py, and the pyodide-http recipe (docs/pyodide-http.md) are served by a second server
on another port (the developer's own), pointed at the sandbox the way the documents say, and
clicked through on every engine: the widget's buttons wait disabled until its Python runs, and it
lists the visitor's segments, joins one and leaves it. Each test loads a page of its own: each is
a different page, assembled from the documents as a developer would.
"""

import contextlib
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from browsers import CHEAPEST, CONFIGURATIONS, configurations, serve, setups
from readme import README, offline, readme_blocks

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_IN_README = "http://127.0.0.1:8000/"
# What docs/sandbox-and-demo.md changes in PersonaClick's loader snippet.
PERSONACLICK_SDK = "https://cdn.personaclick.com/v3.js"
YOUR_SHOP_ID = "YOUR_SHOP_ID"
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
# The test's own, first in each page's head: how the buttons' disabled attribute changed, from
# before anything of the page ran.
BUTTON_WATCHER = """<script>
  window.buttonChanges = [];
  new MutationObserver((records) => {
    for (const record of records) window.buttonChanges.push([record.target.id, record.oldValue]);
  }).observe(document, { subtree: true, attributeFilter: ["disabled"], attributeOldValue: true });
</script>
"""


def watch_buttons(page_html):
    """The page with BUTTON_WATCHER as the first thing in its head."""
    assert page_html.count("<head>") == 1
    return page_html.replace("<head>", "<head>\n" + BUTTON_WATCHER, 1)


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
def dev_server(tmp_path, request):
    """The developer's own static server on another port, serving an empty page folder: for a
    test in a worker configuration, the README's serve_isolated.py, run as printed."""
    folder = tmp_path / "storefront"
    folder.mkdir()
    params = request.node.callspec.params
    configuration = params["setup"].configuration if "setup" in params else params["configuration"]
    if configuration.worker:
        with isolated_server(folder) as url:
            yield folder, url
        return
    handler = partial(DevServerHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(folder, command, port):
    """Run a static server's command line in folder until the test ends; yield its URL."""
    server = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, f"{command} ended with {server.returncode}"
                assert time.monotonic() < deadline, f"{command} never listened"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


@contextlib.contextmanager
def isolated_server(folder):
    """Run docs/workers.md's serve_isolated.py in folder on a free port until the test ends."""
    (folder / "serve_isolated.py").write_text(readme_blocks()["serve-isolated"])
    port = free_port()
    with running_server(folder, [sys.executable, "serve_isolated.py", str(port)], port) as url:
        yield url


@contextlib.contextmanager
def printed_server(folder):
    """Run the README's line that serves a page folder, as printed but for its port."""
    (line,) = readme_blocks()["serve-page"].splitlines()
    port = free_port()
    command = shlex.split(line.replace("8080", str(port)))
    assert command[0] == "python3" and str(port) in command, command
    with running_server(folder, command, port) as url:
        yield url


def assemble_page(folder, sandbox, setup):
    """Write index.html, pyscript.toml and main.py from the README for setup (install module or
    wheel), and what they name."""
    blocks = readme_blocks()
    loader = blocks["loader-sandbox"].replace(SANDBOX_IN_README, sandbox.url)
    tags = blocks["page"]
    interpreter, worker = setup.configuration.interpreter, setup.configuration.worker
    toml = blocks[TOML[setup.install, interpreter]]
    if interpreter == "mpy":
        # As the README says: type="mpy", and MicroPython's interpreter line.
        tags = tags.replace('type="py"', 'type="mpy"')
        (micropython_line,) = INTERPRETER_LINE.findall(blocks["toml-micropython"])
        toml = INTERPRETER_LINE.sub(micropython_line, toml)
    if worker:  # as the README says: the worker attribute
        tags = tags.replace('src="./main.py"', 'worker src="./main.py"')
    page = PAGE.format(loader=loader, tags=tags)
    (folder / "index.html").write_text(watch_buttons(offline(page)))
    (folder / "pyscript.toml").write_text(offline(toml))
    (folder / "main.py").write_text(blocks["main-py"])
    (folder / "vendor").symlink_to(ROOT / "vendor")
    # "Serve it next to your page": the module, or the wheel the config names.
    shutil.copy2(ROOT / "personaclick_bridge.py", folder)
    for wheel in (ROOT / "dist").glob("*.whl"):
        shutil.copy2(wheel, folder)


def assemble_tag_page(folder, sandbox, configuration):
    """Write the README's whole page and main.py, and the tag beside them: nothing else."""
    interpreter, worker = configuration.interpreter, configuration.worker
    blocks = readme_blocks()
    page = blocks["page-tag"]
    page = page.replace(PERSONACLICK_SDK, f"{sandbox.url}v3.js").replace(YOUR_SHOP_ID, SHOP)
    if interpreter == "mpy":
        # As the README says: type="mpy", and MicroPython's interpreter.
        (micropython_line,) = INTERPRETER_LINE.findall(blocks["toml-micropython"])
        micropython = micropython_line.split('"')[1]
        page = page.replace('type="py"', 'type="mpy"').replace(pyodide_url(page), micropython)
    if worker:
        page = page.replace('src="./main.py"', 'worker src="./main.py"')
    (folder / "index.html").write_text(watch_buttons(offline(page)))
    (folder / "main.py").write_text(blocks["main-py"])
    (folder / "vendor").symlink_to(ROOT / "vendor")
    (folder / "favicon.ico").write_bytes(b"")  # the storefront's own, which browsers ask for
    shutil.copy2(ROOT / "personaclick_bridge.js", folder)


def assemble_sandbox_page(folder, sandbox, configuration):
    """Write the README's page against the sandbox and main.py: nothing else of this project."""
    interpreter, worker = configuration.interpreter, configuration.worker
    blocks = readme_blocks()
    page = blocks["page-sandbox"]
    if interpreter == "mpy":
        # As the README says: type="mpy", and the sandbox's MicroPython.
        (micropython,) = re.findall(SANDBOX_IN_README + r"\S+/micropython\.mjs", README.read_text())
        page = page.replace('type="py"', 'type="mpy"').replace(pyodide_url(page), micropython)
    if worker:
        page = page.replace('src="./main.py"', 'worker src="./main.py"')
    page = page.replace(SANDBOX_IN_README, sandbox.url)
    (folder / "index.html").write_text(watch_buttons(page))
    (folder / "main.py").write_text(blocks["main-py"])
    (folder / "favicon.ico").write_bytes(b"")  # the storefront's own, which browsers ask for


def pyodide_url(text):
    (url,) = re.findall(r"https?://[^\s\"']+/pyodide\.mjs", text)
    return url


BUTTONS_ENABLED = "[...document.querySelectorAll('button')].every((b) => !b.disabled)"


def segments_text(page, text):
    page.wait_for("text => document.getElementById('segments').textContent === text", text)


def click_through(page, url, sandbox):
    """List the segments, join the newsletter and leave it, as a shopper would: the buttons wait
    disabled until the widget's Python enables them, are grey while a call is under way, and an
    SDK that fails is a sentence, not a traceback."""
    page.goto(url)
    page.wait_for("document.getElementById('segments').textContent.startsWith('Your segments:')")
    assert page.text("#segments") == "Your segments: none"
    first_changes = {}
    for button_id, old_value in page.evaluate("window.buttonChanges"):
        first_changes.setdefault(button_id, old_value)
    assert first_changes == {"join": "", "leave": ""}  # disabled in the HTML, then enabled
    assert page.evaluate(BUTTONS_ENABLED)
    sandbox.faults.set("get", hold=True)
    try:
        page.click("#join")
        segments_text(page, "Loading your segments…")
        assert page.evaluate("[...document.querySelectorAll('button')].every((b) => b.disabled)")
    finally:
        sandbox.faults.clear()
    segments_text(page, "Your segments: 100500")
    page.wait_for(BUTTONS_ENABLED)
    # The SDK gone from the page: segment_remove raises SDKNotLoadedError, which the widget says.
    page.evaluate("(window.sdk = window.personaclick, delete window.personaclick)")
    page.click("#leave")
    segments_text(page, "That did not go through. Please try again in a moment.")
    page.wait_for(BUTTONS_ENABLED)  # from a worker, after the text: a click now would be lost
    page.evaluate("window.personaclick = window.sdk")
    page.click("#leave")
    segments_text(page, "Your segments: none")
    did = page.evaluate(DEVICE_ID)
    assert sandbox.store.segment_ids(SHOP, did) == []


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=str)
def test_readme_whole_page_with_the_tag(configuration, dev_server, sandbox, page):
    """The README's whole page, copied as printed with the tag beside it and no config for the
    bridge, lists, adds and removes the visitor's segments; its first get was the tag's."""
    folder, url = dev_server
    assemble_tag_page(folder, sandbox, configuration)
    click_through(page, url, sandbox)
    assert not (folder / "personaclick_bridge.py").exists()


# The same page as the whole page's but for its URLs: each interpreter and each thread once.
SANDBOX_PAGE_CONFIGURATIONS = configurations(interpreter="py", worker=False) + configurations(
    interpreter="mpy", worker=True
)


@pytest.mark.parametrize("configuration", SANDBOX_PAGE_CONFIGURATIONS, ids=str)
def test_readme_whole_page_against_the_sandbox(configuration, sandbox, page, tmp_path):
    """The README's page against the sandbox, copied as printed beside main.py alone and served
    by the README's own command (serve_isolated.py for a worker), takes the SDK, the tag,
    PyScript and the interpreter from the sandbox, and works: nothing else is needed."""
    worker = configuration.worker
    folder = tmp_path / "storefront"
    folder.mkdir()
    assemble_sandbox_page(folder, sandbox, configuration)
    with isolated_server(folder) if worker else printed_server(folder) as url:
        click_through(page, url, sandbox)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["index.html", "main.py", "favicon.ico"] + (["serve_isolated.py"] if worker else [])
    )


OFFERS = {"titles": ["Canvas tote", "Enamel mug"]}
WIDGET_TAG = re.compile(r'<script type="py" src="\./main\.py".*?</script>', re.DOTALL)


@pytest.mark.parametrize("configuration", configurations(interpreter="py"), ids=str)
def test_readme_offers_widget_calls_the_backend_through_pyodide_http(
    configuration, dev_server, sandbox, page
):
    """The pyodide-http recipe, as printed, in the README's whole page: urllib.request reaches
    the storefront's backend (here a file of the dev server) with the visitor's segments."""
    folder, url = dev_server
    worker = configuration.worker
    assemble_tag_page(folder, sandbox, configurations(interpreter="py", worker=False)[0])
    blocks = readme_blocks()
    widget = blocks["offers-html"].replace("<script ", "<script worker " if worker else "<script ")
    page_path = folder / "index.html"
    page_path.write_text(WIDGET_TAG.sub(lambda _: widget, page_path.read_text()))
    (folder / "pyscript.toml").write_text(offline(blocks["toml-pyodide-http"]))
    (folder / "offers.py").write_text(blocks["offers-py"])
    (folder / "offers.json").write_text(json.dumps(OFFERS))
    page.goto(url)
    page.wait_for("document.getElementById('offers').textContent.startsWith('Today')")
    assert page.text("#offers") == "Today for you: Canvas tote, Enamel mug"


# The config path's pyscript.toml for each install and interpreter.
TOML = {
    ("module", "py"): "toml-pyodide",
    ("module", "mpy"): "toml-micropython",
    ("wheel", "py"): "toml-wheel",
    ("wheel", "mpy"): "toml-wheel",
}
# Each block of the config path once, and each interpreter and thread: the module's config on
# Pyodide's main thread and in a MicroPython worker, the wheel's (the same for both interpreters)
# where a page boots fastest. The bridge itself runs in every configuration in bridge_cases.py,
# and installs from the tag and the wheel in each in test_tag.py.
CONFIG_PATH_SETUPS = (
    setups(("module",), of=configurations(interpreter="py", worker=False))
    + setups(("module",), of=configurations(interpreter="mpy", worker=True))
    + setups(("wheel",), of=(CHEAPEST,))
)


@pytest.mark.parametrize("setup", CONFIG_PATH_SETUPS, ids=str)
def test_readme_widget_lists_joins_and_leaves(setup, dev_server, sandbox, page):
    """The config path's page, copied as printed, lists, adds and removes the visitor's segments."""
    folder, url = dev_server
    assemble_page(folder, sandbox, setup)
    click_through(page, url, sandbox)
