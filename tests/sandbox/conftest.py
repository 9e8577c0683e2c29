"""Sandbox server fixtures: a tiny static root, a data folder, and a running sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from sandbox_helpers import running


@pytest.fixture(name="root")
def fixture_root(tmp_path: Path) -> Path:
    """A tiny static root with visible, hidden and outside files."""
    site = tmp_path / "site"
    files = {
        "index.html": "<!doctype html><title>demo</title>",
        "app.wasm": "\0asm",
        "main.mjs": "export {};",
        "pkg.whl": "PK",
        "pyscript.toml": "name = 'demo'",
        "blob.bin": "raw",
        "sub/index.html": "<p>sub</p>",
        ".git/config": "[core]",
        ".env": "SECRET=1",
        "node_modules/pkg/index.js": "secret",
        "data/sandbox.sqlite3": "secret",
    }
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "secret.txt").write_text("outside the root")
    (site / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return site


@pytest.fixture(name="data_dir")
def fixture_data_dir(tmp_path: Path) -> Path:
    """Where the sandbox keeps its SQLite file."""
    return tmp_path / "data"


@pytest.fixture(name="sandbox")
def fixture_sandbox(root: Path, data_dir: Path) -> Iterator[SandboxServer]:
    """A running sandbox on a free port, with the shipped seed."""
    with running(root=root, data_dir=data_dir) as server:
        yield server
