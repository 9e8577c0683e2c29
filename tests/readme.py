"""The marked blocks and CDN pins of the README and docs/*.md, as the tests that run them read them.

A fenced block that a test runs as printed has ``<!-- readme:NAME -->`` on the line before it;
one that cannot run here says why instead: ``<!-- not-run: REASON -->``. Block names are one name
space across the README and every document in docs/::

    blocks = readme_blocks()  # {"page-tag": "<!doctype html>...", ...}
    marked_blocks()["page-tag"].path  # the file it came from
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
BLOCK = re.compile(r"<!-- readme:([\w-]+) -->\n```\w*\n(.*?)```", re.DOTALL)
NOT_RUN = re.compile(r"<!-- not-run: (\S.*?) -->")
FENCE = re.compile(r"^\s*```")
CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/(dist/)?")
# Where scripts/vendor.py lays out each npm package's runtime files.
VENDORED = {
    "@pyscript/core": ("dist/", "/vendor/pyscript/"),
    "pyodide": (None, "/vendor/pyodide/"),
    "@micropython/micropython-webassembly-pyscript": (None, "/vendor/micropython/"),
}


@dataclass(frozen=True)
class Block:
    """One marked block: its name, its text as printed, and where it is printed."""

    name: str
    text: str
    path: Path
    line: int  # of the opening fence, counted from 1

    def __str__(self):
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{where}:{self.line} ({self.name})"


def documents():
    """The README and every document in docs/, in a stable order."""
    return [README, *sorted(DOCS.glob("*.md"))]


def marked_blocks(paths=None):
    """{name: Block} of every marked block in paths (default: documents()); a name marked twice
    is a ValueError naming both places."""
    blocks = {}
    for path in documents() if paths is None else paths:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            name = match.group(1)
            line = text.count("\n", 0, match.start()) + 2
            block = Block(name, match.group(2), path, line)
            if name in blocks:
                raise ValueError(
                    f"the block name {name!r} is marked twice: {blocks[name]}, {block}"
                )
            blocks[name] = block
    return blocks


def readme_blocks():
    """The marked code blocks of the README and docs/ by name, exactly as printed."""
    return {name: block.text for name, block in marked_blocks().items()}


def fences(path):
    """(line, marker) of each fenced block's opening fence in path: marker is the line before it."""
    lines = path.read_text().splitlines()
    opened, inside = [], False
    for number, line in enumerate(lines, start=1):
        if FENCE.match(line):
            if not inside:
                opened.append((number, lines[number - 2] if number > 1 else ""))
            inside = not inside
    return opened


def locked_versions():
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    return {
        name.removeprefix("node_modules/"): entry.get("version") for name, entry in packages.items()
    }


def offline(text):
    """Point each pinned CDN URL at the vendored copy of the same version."""
    versions = locked_versions()

    def vendored(match):
        package, version, subfolder = match.groups()
        assert version == versions[package], f"the docs pin {package}@{version}"
        expected_subfolder, local = VENDORED[package]
        assert subfolder == expected_subfolder, match.group(0)
        return local

    return CDN.sub(vendored, text)
