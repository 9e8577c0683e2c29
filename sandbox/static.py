"""What the sandbox serves besides its API: the demo page's files, or a developer's own folder.

Starlette's ``StaticFiles`` does the serving (ETag and 304, MIME types, refusing paths that lead
out of its folder); ``PageFiles`` only narrows what it may serve::

    demo = PageFiles(REPO_ROOT, allowed=DEMO_PAGE_FILES, hidden=[data_dir])
    own = PageFiles(Path("site"), hidden=[data_dir])  # everything visible in the folder

Public names: ``DEMO_PAGE_FILES``, ``PageFiles``.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["DEMO_PAGE_FILES", "PageFiles"]

# The files the demo page loads: the only repository files served without --root
# (vendor/ and /v3.js are served apart). Patterns are matched against the whole path.
DEMO_PAGE_FILES = (
    "index.html",
    "main.py",
    "pyscript.toml",
    "pyscript.mpy.toml",
    "personaclick_bridge.py",
    "dist/personaclick_bridge-*.whl",
)

# Pinned rather than read from /etc/mime.types, which a fresh machine may lack.
for _suffix, _type in {
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".whl": "application/zip",
    ".toml": "text/plain",
    ".py": "text/plain",
}.items():
    mimetypes.add_type(_type, _suffix)


class PageFiles(StaticFiles):
    """The files of a folder, minus dotfiles, SQLite files and ``hidden`` folders.

    With ``allowed`` (path patterns relative to the folder), only the files matching one of them.
    """

    def __init__(
        self, directory: Path, *, allowed: Iterable[str] | None = None, hidden: Iterable[Path] = ()
    ) -> None:
        super().__init__(directory=directory, html=True)
        self.allowed = None if allowed is None else tuple(allowed)
        self.hidden = [Path(folder).resolve() for folder in hidden]

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Serve ``path`` when it is public, else 404 as if it did not exist."""
        if not self._public(path):
            raise HTTPException(404)
        return await super().get_response(path, scope)

    def _public(self, path: str) -> bool:
        """True for a path this folder may show (``.`` is the folder's index.html)."""
        relative = PurePosixPath("index.html" if path == "." else path.replace(os.sep, "/"))
        if any(part.startswith(".") for part in relative.parts) or ".sqlite" in relative.name:
            return False
        full = (Path(self.directory) / relative).resolve()
        if any(full.is_relative_to(folder) for folder in self.hidden):
            return False
        return self.allowed is None or any(fnmatchcase(str(relative), p) for p in self.allowed)
