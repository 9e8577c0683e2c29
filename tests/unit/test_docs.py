"""The README and docs/*.md hold nothing that escapes the tests: every fenced block is run by a
test (marked ``<!-- readme:NAME -->``) or says why it cannot be (``<!-- not-run: REASON -->``),
every link and ``make`` target exists, and the variants of one page differ only where they say."""

import re

import pytest

from readme import (
    BLOCK,
    NOT_RUN,
    ROOT,
    VENDORED,
    documents,
    fences,
    locked_versions,
    marked_blocks,
    readme_blocks,
)

NAME_MARKER = re.compile(r"^<!-- readme:[\w-]+ -->$", re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCED = re.compile(r"^\s*```.*?^\s*```", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)
MAKE = re.compile(r"`make ([\w./-]+)")
SANDBOX = "http://127.0.0.1:8000/"


def relative(path):
    return path.relative_to(ROOT)


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(relative(path)))
def test_every_fenced_block_is_run_or_says_why_not(path):
    """The line before each opening fence marks the block as run by a test, or not run with a
    reason; a block with neither would escape the tests unseen."""
    unmarked = [
        f"{relative(path)}:{line}"
        for line, marker in fences(path)
        if not (NAME_MARKER.fullmatch(marker.strip()) or NOT_RUN.fullmatch(marker.strip()))
    ]
    assert not unmarked, f"fenced blocks with no readme: or not-run: marker: {unmarked}"


def test_every_marker_is_read_as_a_block():
    """A name marker that BLOCK cannot read (a typo, a blank line before the fence) is an error,
    not a block that no test sees."""
    for path in documents():
        text = path.read_text()
        assert len(NAME_MARKER.findall(text)) == len(BLOCK.findall(text)), relative(path)


def test_a_block_name_marked_twice_is_an_error(tmp_path):
    """Block names are one name space across the README and docs/."""
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("<!-- readme:page -->\n```html\n<p>a</p>\n```\n")
    second.write_text("Text.\n\n<!-- readme:page -->\n```html\n<p>b</p>\n```\n")
    with pytest.raises(ValueError, match="'page' is marked twice"):
        marked_blocks([first, second])
    (only,) = marked_blocks([second]).values()
    assert (only.path, only.line, only.text) == (second, 4, "<p>b</p>\n")


def test_every_marked_block_is_read_by_a_test():
    """Each block name is spelled out in a test, which reads it."""
    sources = "\n".join(
        path.read_text() for path in (ROOT / "tests").rglob("*.py") if path.name != "readme.py"
    )
    unread = [str(block) for name, block in marked_blocks().items() if f'"{name}"' not in sources]
    assert not unread, f"marked blocks that no test reads: {unread}"


def slug(heading):
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    return {slug(heading) for heading in HEADING.findall(FENCED.sub("", path.read_text()))}


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(relative(path)))
def test_links_reach_a_file_and_heading(path):
    """Every relative link names a file that exists, and a heading of it that exists."""
    broken = []
    for target in LINK.findall(FENCED.sub("", path.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert not broken, f"{relative(path)}: broken links {broken}"


def test_the_readme_links_every_document():
    """Each document in docs/ is reachable from the README."""
    linked = set(LINK.findall(documents()[0].read_text()))
    for path in documents()[1:]:
        assert any(target.split("#")[0] == f"docs/{path.name}" for target in linked), path.name


def test_make_commands_name_makefile_targets():
    """Every `make TARGET` the documents print is a target of the Makefile."""
    targets = set(re.findall(r"^([^\s:#=$]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    for path in documents():
        for target in MAKE.findall(path.read_text()):
            assert target in targets, f"{relative(path)}: make {target}"


@pytest.mark.parametrize("name", ["page-tag", "page-sandbox", "page"])
def test_the_widgets_buttons_start_disabled(name):
    """The pages' buttons are disabled in the HTML: they do nothing until Python runs, which
    enables them (the browser tests watch it do so)."""
    buttons = re.findall(r"<button\b[^>]*>", readme_blocks()[name])
    assert len(buttons) == 2 and all(re.search(r"\sdisabled\b", b) for b in buttons), buttons


def test_the_sandbox_page_is_the_whole_page_with_the_sandbox_lines_swapped():
    """page-sandbox is page-tag line for line, except lines that now name the sandbox: its SDK,
    its shop, the tag, PyScript and the interpreter. It names no other host."""
    blocks = readme_blocks()
    printed, sandbox = blocks["page-tag"].splitlines(), blocks["page-sandbox"].splitlines()
    assert len(printed) == len(sandbox)
    changed = [(a, b) for a, b in zip(printed, sandbox, strict=True) if a != b]
    comments = [(a, b) for a, b in changed if b.strip().startswith("<!--")]
    swapped = [(a, b) for a, b in changed if (a, b) not in comments]
    assert len(comments) == 1 and "sandbox" in comments[0][1]
    assert all(SANDBOX in b or "demo-shop" in b for _, b in swapped), swapped
    assert len(swapped) == 6, swapped  # SDK, shop, tag, PyScript's two, the interpreter
    assert re.findall(r"https?://[^/\"']+/", blocks["page-sandbox"]) == [SANDBOX] * 5


def test_the_sandbox_pages_urls_are_what_the_sandbox_serves():
    """Each sandbox URL the README prints, for Pyodide and MicroPython, is one of its routes or a
    file of vendor/, which it serves at /vendor/."""
    readme = documents()[0].read_text()
    paths = re.findall(re.escape(SANDBOX) + r"([\w./-]+)", readme)
    assert "vendor/micropython/micropython.mjs" in paths
    for path in paths:
        assert path in ("v3.js", "personaclick_bridge.js") or (ROOT / path).is_file(), path


def test_loader_variants_match_the_loader():
    """The whole page's loader is the loader block, and the sandbox's loader is the loader with
    its SDK's URL and shop swapped, as the documents say."""
    blocks = readme_blocks()
    loader = blocks["loader"]
    indented = "".join(f"  {line}" if line.strip() else line for line in loader.splitlines(True))
    assert indented in blocks["page-tag"]
    swapped = loader.replace("https://cdn.personaclick.com/", SANDBOX).replace(
        "YOUR_SHOP_ID", "demo-shop"
    )
    assert swapped == blocks["loader-sandbox"]


def test_self_hosting_installs_the_locked_versions_and_the_table_names_their_files():
    """The npm command pins what package-lock.json pins (npm ci installed it into node_modules),
    and the files the table says to serve are in those packages."""
    words = readme_blocks()["npm-install"].split()
    assert words[:3] == ["npm", "install", "--save-exact"]
    versions = locked_versions()
    pinned = dict(word.rsplit("@", 1) for word in words[3:])
    assert pinned == {package: versions[package] for package in VENDORED}
    doc = (ROOT / "docs" / "self-hosting.md").read_text()
    rows = re.findall(r"^\| (.+?) \| `(node_modules/[^`]+)` \|", doc, re.MULTILINE)
    assert len(rows) == len(VENDORED)
    for files, folder in rows:
        names = re.findall(r"`([^`]+)`", files)
        assert names, files
        for name in names:
            # "the whole `dist/` folder" of node_modules/@pyscript/core/dist/
            served = ROOT / folder if folder.endswith(name) else ROOT / folder / name
            assert served.exists(), f"{folder}: {name}"
