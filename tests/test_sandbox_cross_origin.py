"""A developer's own page on another local port, using the sandbox by its script URL alone.

The page is served by a second sandbox (``--root``, another port); its loader is the README's,
pointed at the first sandbox's ``/v3.js``. Runs in headless Chromium, so CORS is the browser's.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import BOOT_TIMEOUT_MS
from sandbox.server import SandboxServer
from sandbox_helpers import SHOP, demo_section_blocks, running

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


def readme_loader(sandbox: SandboxServer) -> str:
    """The README's loader for your own page, pointed at this sandbox's port."""
    (loader,) = [block for block in demo_section_blocks("html") if "/v3.js" in block]
    assert "127.0.0.1:8000/v3.js" in loader and INIT in loader
    return loader.replace("127.0.0.1:8000", f"127.0.0.1:{sandbox.port}")


def open_page(watched_page, folder: Path, loader: str, data: Path):
    """Serve the page from a second sandbox, open it, and return (segments, did, page server)."""
    folder.mkdir()
    (folder / "index.html").write_text(PAGE.format(loader=loader))
    with running(root=folder, data_dir=data) as page_server:
        page = watched_page.page
        page.goto(page_server.url)
        result = page.wait_for_selector("#result:not(:empty)", timeout=BOOT_TIMEOUT_MS)
        segments = json.loads(result.text_content())
        did = page.evaluate("document.body.dataset.did")
        memberships = page_server.store.segment_ids(SHOP, did)
    return segments, did, memberships


def test_page_on_another_port_uses_the_sandbox(
    watched_page, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """With only the script URL changed, a page on another port adds and reads segments through
    the sandbox's API (CORS preflight included), and the sandbox stores them."""
    loader = readme_loader(sandbox)
    segments, did, page_server_rows = open_page(
        watched_page, tmp_path / "dev-page", loader, tmp_path / "page-data"
    )
    assert segments == [{"id": 313, "type": "static"}]
    assert sandbox.store.segment_ids(SHOP, did) == [313]
    assert page_server_rows == []
    sandbox_port = f"127.0.0.1:{sandbox.port}/segments/"
    assert any(sandbox_port in url for url in watched_page.requests)


def test_api_host_option_sends_the_calls_elsewhere(
    watched_page, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """init's api_host (a host and port) overrides the script's origin as the API's address."""
    with running(root=tmp_path, data_dir=tmp_path / "api-data") as api:
        api_host = f'{{ api_host: "127.0.0.1:{api.port}" }}'
        options = f'personaclick("init", "demo-shop", null, null, null, {api_host});'
        loader = readme_loader(sandbox).replace(INIT, options)
        segments, did, _ = open_page(watched_page, tmp_path / "dev-page", loader, tmp_path / "d")
        assert segments == [{"id": 313, "type": "static"}]
        assert api.store.segment_ids(SHOP, did) == [313]
        assert sandbox.store.segment_ids(SHOP, did) == []
