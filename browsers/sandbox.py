"""The local sandbox as tests and benchmarks start it: a free port, its own data folder."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sandbox.server import DEFAULT_ROOT, DEFAULT_SEED, SandboxServer, start_server


class Sandbox:
    """A sandbox on 127.0.0.1 serving the repository; ``restart()`` keeps its port and data.

    ``isolate`` sends the cross-origin-isolation headers that PyScript workers need.
    """

    def __init__(self, data_dir: Path, *, seed: Path = DEFAULT_SEED, isolate: bool = True) -> None:
        self._options = {"root": DEFAULT_ROOT, "data_dir": data_dir, "seed_path": seed}
        self._options["isolate"] = isolate
        self.server: SandboxServer = start_server(**self._options)
        self.url = self.server.url

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
        port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        self.server.close()
        self.server = start_server(**self._options, port=port)

    def close(self) -> None:
        self.server.close()


@contextlib.contextmanager
def serve(*, shops: list[dict] | None = None, isolate: bool = True) -> Iterator[Sandbox]:
    """A sandbox with a fresh data folder, seeded with shops (default: the shipped seed)."""
    with tempfile.TemporaryDirectory() as folder:
        seed = DEFAULT_SEED
        if shops is not None:
            seed = Path(folder) / "seed.json"
            seed.write_text(json.dumps({"shops": shops}))
        sandbox = Sandbox(Path(folder) / "data", seed=seed, isolate=isolate)
        try:
            yield sandbox
        finally:
            sandbox.close()
