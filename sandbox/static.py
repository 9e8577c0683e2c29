"""Static files of the sandbox: pinned MIME types, path safety and ETag revalidation.

``StaticFiles`` serves the files under a root and nothing else: dot-names, ``node_modules``,
the data directory, ``..`` tricks and symlinks that lead out of the root are all 404. It answers
through a ``send(status, headers, body)`` callable that the request handler supplies::

    files = StaticFiles(root=Path("."), data_dir=Path("data"))
    files.serve(send, "GET", "/index.html", query="", if_none_match=None)

Public names: ``MIME_TYPES``, ``DEFAULT_MIME``, ``HIDDEN_NAMES``, ``HIDDEN_TOP_LEVEL``, ``Send``,
``StaticFiles``.
"""

from __future__ import annotations

import email.utils
import os
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from sandbox.api import ApiError

__all__ = ["DEFAULT_MIME", "HIDDEN_NAMES", "HIDDEN_TOP_LEVEL", "MIME_TYPES", "Send", "StaticFiles"]

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".md": "text/plain",
}
DEFAULT_MIME = "application/octet-stream"
# Path segments never served from the root, wherever they appear; dot-names are refused too.
HIDDEN_NAMES = frozenset({"node_modules"})
# Top-level directories never served (the default data directory).
HIDDEN_TOP_LEVEL = frozenset({"data"})

# Sends one response: status, headers, and a body of bytes or an open file.
Send = Callable[[int, dict[str, str], bytes | BinaryIO], None]


class StaticFiles:
    """The visible files under ``root``, never anything inside ``data_dir``."""

    def __init__(self, root: Path, data_dir: Path) -> None:
        self.root = root.resolve()
        self.data_dir = data_dir.resolve()

    def serve(
        self, send: Send, method: str, url_path: str, query: str, if_none_match: str | None
    ) -> None:
        """Serve a file; a directory URL without its slash is redirected, a fresh ETag is 304."""
        if method not in ("GET", "HEAD"):
            raise ApiError(405, "Static files only accept GET and HEAD.", {"Allow": "GET, HEAD"})
        path = self.find(url_path)
        if path is None:
            location = url_path + "/" + (f"?{query}" if query else "")
            send(HTTPStatus.MOVED_PERMANENTLY, {"Location": location, "Content-Length": "0"}, b"")
            return
        try:
            file = path.open("rb")
        except OSError:
            raise ApiError(404, "The file was not found.") from None
        with file:
            stat = os.fstat(file.fileno())
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            headers = {
                "ETag": etag,
                "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
                # Always revalidate: cheap 304s, and edited files show up at once.
                "Cache-Control": "no-cache",
            }
            if _etag_matches(if_none_match, etag):
                send(HTTPStatus.NOT_MODIFIED, headers, b"")
                return
            headers["Content-Type"] = MIME_TYPES.get(path.suffix.lower(), DEFAULT_MIME)
            headers["Content-Length"] = str(stat.st_size)
            send(HTTPStatus.OK, headers, file)

    def find(self, url_path: str) -> Path | None:
        """Map a URL path to a visible file inside the root (None: directory without slash)."""
        if not url_path.startswith("/"):
            raise ApiError(404, "The file was not found.")
        parts = [part for part in unquote(url_path).split("/") if part]
        _refuse_hidden(parts)
        target = self.root.joinpath(*parts)
        try:
            if target.is_dir():
                if not url_path.endswith("/"):
                    return None
                target = target / "index.html"
            # Resolve symlinks so a link cannot lead out of the root or into hidden places.
            resolved = target.resolve()
            is_file = resolved.is_file()
        except OSError:
            raise ApiError(404, "The file was not found.") from None
        root, data_dir = self.root, self.data_dir
        if not is_file or not resolved.is_relative_to(root) or resolved.is_relative_to(data_dir):
            raise ApiError(404, "The file was not found.")
        _refuse_hidden(list(resolved.relative_to(root).parts))
        return resolved


def _refuse_hidden(parts: list[str]) -> None:
    """404 for dot-names, node_modules, the data directory, and path tricks."""
    if parts and parts[0] in HIDDEN_TOP_LEVEL:
        raise ApiError(404, "The file was not found.")
    for part in parts:
        if part.startswith(".") or part in HIDDEN_NAMES or "\\" in part or "\0" in part:
            raise ApiError(404, "The file was not found.")


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names ``etag`` (weak comparison) or is ``*``."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
