"""A developer's own page on another local port, using the sandbox by its script URL alone.

The page is served by a second sandbox (``--root``, another port); its loader is the README's,
pointed at the first sandbox's ``/v3.js``. Runs in each engine, so CORS is the browser's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browsers import Sandbox, serve
from sandbox_helpers import SHOP, demo_section_blocks

INIT = 'personaclick("init", "demo-shop");'
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>A storefront's own page</title>
{loader}
</head>
<body>
<pre id="result"></pre>
<script>
  personaclick("segment", "add", {{ segment_id: 313 }});
  personaclick("segment", "get", (segments) => {{
    document.getElementById("result").textContent = JSON.stringify(segments);
  }});
  personaclick("did", (did) => {{ document.body.dataset.did = did; }});
</script>
</body>
</html>
"""


@pytest.fixture(name="sandbox")
def fixture_sandbox():
    """A sandbox without cross-origin isolation, whose script other origins may load."""
    with serve(isolate=False) as started:
        yield started


def readme_loader(sandbox: Sandbox) -> str:
    """The README's loader for your own page, pointed at this sandbox's port."""
    (loader,) = [block for block in demo_section_blocks("html") if "/v3.js" in block]
    assert "127.0.0.1:8000/v3.js" in loader and INIT in loader
    return loader.replace("127.0.0.1:8000", f"127.0.0.1:{sandbox.port}")


def open_page(page, folder: Path, loader: str):
    """Serve the page from a second sandbox, open it, and return (segments, did, page server)."""
    folder.mkdir()
    (folder / "index.html").write_text(PAGE.format(loader=loader))
    with serve(root=folder, isolate=False) as page_server:
        page.goto(page_server.url)
        result = page.wait_for("document.querySelector('#result:not(:empty)')?.textContent")
        segments = json.loads(result)
        did = page.evaluate("document.body.dataset.did")
        memberships = page_server.store.segment_ids(SHOP, did)
    return segments, did, memberships


def test_page_on_another_port_uses_the_sandbox(page, sandbox: Sandbox, tmp_path: Path) -> None:
    """With only the script URL changed, a page on another port adds and reads segments through
    the sandbox's API (CORS preflight included), and the sandbox stores them."""
    loader = readme_loader(sandbox)
    segments, did, page_server_rows = open_page(page, tmp_path / "dev-page", loader)
    assert segments == [{"id": 313, "type": "static"}]
    assert sandbox.store.segment_ids(SHOP, did) == [313]
    assert page_server_rows == []
    sandbox_port = f"127.0.0.1:{sandbox.port}/segments/"
    assert any(sandbox_port in url for url in page.requests)


def test_api_host_option_sends_the_calls_elsewhere(page, sandbox: Sandbox, tmp_path: Path) -> None:
    """init's api_host (a host and port) overrides the script's origin as the API's address."""
    with serve(root=tmp_path, isolate=False) as api:
        api_host = f'{{ api_host: "127.0.0.1:{api.port}" }}'
        options = f'personaclick("init", "demo-shop", null, null, null, {api_host});'
        loader = readme_loader(sandbox).replace(INIT, options)
        segments, did, _ = open_page(page, tmp_path / "dev-page", loader)
        assert segments == [{"id": 313, "type": "static"}]
        assert api.store.segment_ids(SHOP, did) == [313]
        assert sandbox.store.segment_ids(SHOP, did) == []
