"""Starlette middleware that puts the in-page watcher first in every HTML page it serves.

WebKit's driver reports no console messages, so WebKit pages are watched from inside (watcher.js).
Run by the page itself before any of its scripts, the watcher also sees what a page logs while it
loads and what its blob workers (PyScript's) log. On other engines it records alongside the
driver's own events, and nothing reads it: every engine runs the same pages.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WATCHER = Path(__file__).with_name("watcher.js").read_text()
SCRIPT = f"<script>{WATCHER}</script>".encode()


class WatchedPages:
    """Insert watcher.js right after ``<head>`` in each HTML page answered to a GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                html = MutableHeaders(raw=message["headers"]).get("content-type", "")
                if message["status"] == 200 and html.startswith("text/html"):
                    start = message
                    return
            elif start is not None:  # the body of an HTML page: held until its last chunk
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                page = b"".join(chunks).replace(b"<head>", b"<head>" + SCRIPT, 1)
                headers = MutableHeaders(raw=list(start["headers"]))
                headers["content-length"] = str(len(page))
                await send({**start, "headers": headers.raw})
                message = {"type": "http.response.body", "body": page}
            await send(message)

        await self.app(scope, receive, watch)
