"""Sandbox fixtures: a tiny page folder, a data folder, and a running sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from sandbox_helpers import running


@pytest.fixture(name="root")
def fixture_root(tmp_path: Path) -> Path:
    """A tiny page folder with visible and hidden files."""
    site = tmp_path / "site"
    files = {
        "index.html": "<!doctype html><title>demo</title>",
        "app.wasm": "\0asm",
        "main.mjs": "export {};",
        "pkg.whl": "PK",
        "pyscript.toml": "name = 'demo'",
        "main.py": "print()",
        "sub/index.html": "<p>sub</p>",
        "sub/shop.sqlite3": "secret",
        "sub/shop.sqlite3-wal": "secret",
        ".git/config": "[core]",
        ".env": "SECRET=1",
    }
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
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
