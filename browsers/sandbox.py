"""The local sandbox as tests and benchmarks start it: a free port, its own data folder.

By default it serves the demo page; ``pages=True`` serves the test and benchmark pages instead,
copied with what they load into a folder of their own, paths kept (the sandbox serves only the
demo's files from the repository). ``SandboxProcess`` runs it in a process of its own instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from starlette.middleware import Middleware

from browsers.watched_pages import WatchedPages
from sandbox.server import DEFAULT_SEED, SandboxServer, start_server

ROOT = Path(__file__).resolve().parent.parent
# What the test and benchmark pages load, relative to the repository (make test builds dist/).
PAGE_SOURCES = (
    "tests/browser",
    "bench",
    "personaclick_bridge.py",
    "dist",
    "tests/doubles",
    "start-python.js",
)


def page_folder(dest: Path) -> Path:
    """Copy PAGE_SOURCES into dest, keeping their paths, and return dest."""
    for source in PAGE_SOURCES:
        target = Path(dest) / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, target)
    return Path(dest)


class Sandbox:
    """A sandbox on 127.0.0.1; ``restart()`` keeps its port and data.

    ``root`` None serves the demo page, a folder that folder. ``isolate`` sends the
    cross-origin-isolation headers that PyScript workers need.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        root: Path | None = None,
        seed: Path = DEFAULT_SEED,
        isolate: bool = True,
    ) -> None:
        self._options = {
            "root": root,
            "data_dir": data_dir,
            "seed_path": seed,
            "isolate": isolate,
            "middleware": [Middleware(WatchedPages)],
        }
        self.server: SandboxServer = start_server(**self._options)
        self.url = self.server.url
        self.port = self.server.port

    @property
    def faults(self):
        """The fault table: ``faults.set("get", status=503)``, ``faults.clear()``."""
        return self.server.faults

    @property
    def store(self):
        """The SQLite store behind the API."""
        return self.server.store

    def restart(self) -> None:
        """Stop the server and start a new one on the same port, with the same data."""
        self.server.close()
        self.server = start_server(**self._options, port=self.port)

    def close(self) -> None:
        self.server.close()


class SandboxProcess:
    """``python -m sandbox`` of a checkout in a process of its own, on the checkout's defaults
    but for its port and data; ``restart()`` keeps both.

    For what a ``Sandbox`` in this process cannot be: a server that client threads here do not
    slow down (they would share its interpreter lock), one that a kill -9 ends, or another
    version's (``checkout``: an older commit unpacked with ``git archive``).
    """

    def __init__(self, data_dir: Path, *, checkout: Path = ROOT) -> None:
        self._command = [sys.executable, "-m", "sandbox", "--data", str(data_dir)]
        self._checkout = Path(checkout)
        self._start(port=0)

    def _start(self, port: int) -> None:
        self.process = subprocess.Popen(
            [*self._command, "--port", str(port)],
            cwd=self._checkout,
            # The checkout's own sandbox package, whichever one this process imports.
            env={**os.environ, "PYTHONPATH": str(self._checkout)},
            stdout=subprocess.PIPE,
            text=True,
        )
        # It prints one line, "Serving <url>", once it answers.
        self.url = self.process.stdout.readline().split()[1]
        self.port = urlsplit(self.url).port

    def restart(self) -> None:
        """Stop the server and start a new one on the same port, with the same data."""
        self.close()
        self._start(self.port)

    def kill(self) -> None:
        """End it as a crash would: SIGKILL, no chance to close its database."""
        self.process.kill()
        self.process.wait(timeout=30)

    def close(self) -> None:
        """Stop it as Ctrl-C does (nothing to do once it has ended)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


@contextlib.contextmanager
def serve(
    *,
    shops: list[dict] | None = None,
    isolate: bool = True,
    pages: bool = False,
    root: Path | None = None,
) -> Iterator[Sandbox]:
    """A sandbox with a fresh data folder, seeded with shops (default: the shipped seed).

    It serves the demo page, or with ``pages`` the test and benchmark pages, or ``root``.
    """
    with tempfile.TemporaryDirectory() as folder:
        seed = DEFAULT_SEED
        if shops is not None:
            seed = Path(folder) / "seed.json"
            seed.write_text(json.dumps({"shops": shops}))
        if pages:
            root = page_folder(Path(folder) / "pages")
        sandbox = Sandbox(Path(folder) / "data", root=root, seed=seed, isolate=isolate)
        try:
            yield sandbox
        finally:
            sandbox.close()
