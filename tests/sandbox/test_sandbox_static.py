"""Tests of the sandbox's static files: MIME types, path safety, revalidation and isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from sandbox.store import DB_FILENAME
from sandbox_helpers import (
    SHOP,
    assert_error,
    call,
    running,
)

INDEX_HTML = b"<!doctype html><title>demo</title>"


def test_index_is_served_at_root(sandbox: SandboxServer) -> None:
    """/ serves index.html as UTF-8 HTML with cache validators."""
    reply = call(sandbox, "GET", "/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == INDEX_HTML
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/app.wasm", "application/wasm"),
        ("/main.mjs", "text/javascript; charset=utf-8"),
        ("/pkg.whl", "application/zip"),
        ("/pyscript.toml", "text/plain; charset=utf-8"),
        ("/blob.bin", "application/octet-stream"),
        ("/sub/", "text/html; charset=utf-8"),
    ],
)
def test_mime_types_are_pinned(sandbox: SandboxServer, path: str, mime: str) -> None:
    """Content-Type comes from the sandbox's own table, not the system's."""
    reply = call(sandbox, "GET", path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == mime


def test_directory_without_slash_redirects(sandbox: SandboxServer) -> None:
    """/sub redirects to /sub/ so relative URLs in its index resolve correctly."""
    reply = call(sandbox, "GET", "/sub?x=1")
    assert reply.status == 307
    assert reply.headers["Location"].endswith("/sub/?x=1")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/../../secret.txt",
        "/sub/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/escape.txt",
        "/.git/config",
        "/%2egit/config",
        "/.env",
        "/data/sandbox.sqlite3",
        "/missing.html",
        "/sub/..%5c..%5csecret.txt",
    ],
)
def test_hidden_and_outside_files_are_404(sandbox: SandboxServer, path: str) -> None:
    """Traversal, symlink escapes, dotfiles and SQLite files are all not found."""
    reply = call(sandbox, "GET", path)
    assert_error(reply, 404)
    assert b"SECRET" not in reply.body and b"outside" not in reply.body


def test_data_dir_inside_root_is_hidden(root: Path) -> None:
    """A data_dir placed inside the root is still never served."""
    with running(root=root, data_dir=root / "db") as server:
        assert_error(call(server, "GET", f"/db/{DB_FILENAME}"), 404)


def test_etag_revalidation_answers_304(sandbox: SandboxServer) -> None:
    """A matching If-None-Match gets 304 with no body; a stale one gets the file."""
    etag = call(sandbox, "GET", "/app.wasm").headers["ETag"]
    cached = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": etag})
    assert cached.status == 304
    assert cached.body == b""
    assert cached.headers["ETag"] == etag
    weak = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304
    stale = call(sandbox, "GET", "/app.wasm", headers={"If-None-Match": '"stale"'})
    assert (stale.status, stale.body) == (200, b"\0asm")


def test_head_sends_headers_only(sandbox: SandboxServer) -> None:
    """HEAD reports the file's length and type without a body."""
    reply = call(sandbox, "HEAD", "/index.html")
    assert reply.status == 200
    assert reply.headers["Content-Length"] == str(len(INDEX_HTML))
    assert reply.body == b""


def test_isolate_adds_cross_origin_headers(root: Path, tmp_path: Path) -> None:
    """With isolate=True every response, errors included, carries COOP, COEP and CORP."""
    with running(root=root, data_dir=tmp_path / "iso", isolate=True) as server:
        replies = [
            call(server, "GET", "/"),
            call(server, "GET", "/nope"),
            call(server, "GET", f"/_sandbox/catalogue?shop_id={SHOP}"),
            call(server, "GET", "/segments/add"),
        ]
    for reply in replies:
        assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert reply.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert reply.headers["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize("isolate", [False, True])
def test_the_sdk_the_tag_and_the_runtime_may_be_embedded_from_another_origin(
    root: Path, tmp_path: Path, isolate: bool
) -> None:
    """/v3.js, /personaclick_bridge.js and /vendor/ carry CORP cross-origin, so that an isolated
    page on another loopback port loads them; the rest keeps its headers."""
    with running(root=root, data_dir=tmp_path / "embed", isolate=isolate) as server:
        embeddable = [
            call(server, "GET", "/v3.js"),
            call(server, "GET", "/personaclick_bridge.js"),
            call(server, "GET", "/vendor/missing.js"),
        ]
        other = call(server, "GET", f"/_sandbox/catalogue?shop_id={SHOP}")
    for reply in embeddable:
        assert reply.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert other.headers["Cross-Origin-Resource-Policy"] == ("same-origin" if isolate else None)


def test_no_isolation_headers_by_default(sandbox: SandboxServer) -> None:
    """Without isolate the cross-origin isolation headers are absent."""
    reply = call(sandbox, "GET", "/")
    assert reply.headers["Cross-Origin-Embedder-Policy"] is None
