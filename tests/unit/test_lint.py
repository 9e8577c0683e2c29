"""ESLint (eslint.config.js, run by `make test`) covers every JavaScript the project ships or
serves: each .js, .mjs, .cjs and .html file outside vendor/, and the JavaScript strings of
personaclick_bridge.py, whose messages point at the .py file's lines. The tag carries each piece
of that JavaScript once."""

import json
import re
import subprocess
from pathlib import Path

import personaclick_bridge as pc

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "personaclick_bridge.py"
JS_STRINGS = sorted(name for name in vars(pc) if re.fullmatch(r"_[A-Z][A-Z0-9_]*_JS", name))

# For each file named in argv: whether ESLint skips it, the environments its globals give
# (browser, worker, node) and its plugins.
CONFIGS = """
import { ESLint } from "eslint";
const eslint = new ESLint();
const names = { browser: "document", worker: "importScripts", node: "process" };
const report = {};
for (const file of process.argv.slice(1)) {
  const config = await eslint.calculateConfigForFile(file);
  const known = config?.languageOptions?.globals ?? {};
  report[file] = {
    ignored: await eslint.isPathIgnored(file),
    environments: Object.keys(names).filter((environment) => names[environment] in known),
    plugins: Object.keys(config?.plugins ?? {}),
  };
}
process.stdout.write(JSON.stringify(report));
"""

STRINGS = """
import { readFileSync } from "node:fs";
import { pythonStrings } from "./scripts/eslint-python-js.js";
const strings = pythonStrings(readFileSync("personaclick_bridge.py", "utf8"));
process.stdout.write(JSON.stringify(strings.map(({ name, value }) => [name, value])));
"""


def node(script, *args, stdin=None):
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", script, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(ran.stdout)


def eslint_stdin(text, filename):
    """ESLint's messages for text linted as if it were the file filename."""
    ran = subprocess.run(
        [ROOT / "node_modules/.bin/eslint", "--format", "json", "--stdin"]
        + ["--stdin-filename", filename],
        cwd=ROOT,
        input=text,
        capture_output=True,
        text=True,
        check=False,  # 1: findings, which the caller reads
        timeout=60,
    )
    assert ran.returncode in (0, 1), ran.stderr
    [result] = json.loads(ran.stdout)
    return result["messages"]


def shipped_javascript():
    """The .js, .mjs, .cjs and .html files git tracks, outside vendor/."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.js", "*.mjs", "*.cjs", "*.html", ":!:vendor/"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    )
    return sorted(name for name in listed.stdout.split("\0") if name)


def line_of(text, needle):
    """The line (from 1) and column (from 1) where needle starts in text."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def test_every_javascript_file_is_linted_for_where_it_runs():
    """ESLint lints each JavaScript and HTML file git tracks (HTML through eslint-plugin-html),
    and each with the globals of where it runs: a page, a worker or Node.js."""
    files = shipped_javascript()
    assert {"personaclick_bridge.js", "index.html", "scripts/tag_template.js"} <= set(files)
    report = node(CONFIGS, *files)
    skipped = [file for file in files if report[file]["ignored"]]
    assert not skipped, f"eslint.config.js ignores {skipped}"
    unplaced = [file for file in files if len(report[file]["environments"]) != 1]
    assert not unplaced, f"eslint.config.js gives no one environment (globals) to {unplaced}"
    pages = [file for file in files if file.endswith(".html")]
    unread = [file for file in pages if "html" not in report[file]["plugins"]]
    assert not unread, f"eslint.config.js reads no inline script of {unread}"


def test_the_module_strings_are_linted_where_they_run():
    """The processor gives each JavaScript string of personaclick_bridge.py to ESLint: the page's
    strings with a page's globals, _WORKER_JS with a worker's."""
    blocks = [f"personaclick_bridge.py/{index}_{name}.js" for index, name in enumerate(JS_STRINGS)]
    report = node(CONFIGS, "personaclick_bridge.py", *blocks)
    assert not report["personaclick_bridge.py"]["ignored"]
    assert "python" in report["personaclick_bridge.py"]["plugins"]
    for block, name in zip(blocks, JS_STRINGS, strict=True):
        assert report[block]["environments"] == ["worker" if name == "_WORKER_JS" else "browser"]


def test_the_processor_reads_the_strings_as_python_does():
    """What ESLint lints of personaclick_bridge.py is each _NAME_JS string's value, all of them."""
    read = dict(node(STRINGS))
    assert sorted(read) == JS_STRINGS
    for name in JS_STRINGS:
        assert read[name] == getattr(pc, name), name


def test_a_mistake_in_a_module_string_is_reported_at_its_line_in_the_module():
    """An undefined name planted in the edge and in _WORKER_JS (after an escape that Python
    decodes) is reported by no-undef at its .py line and column, and nothing else is."""
    text = MODULE.read_text(encoding="utf-8")
    edge_line = "const outcome = (value) => JSON.stringify(value);\n"
    worker_line = "  let lastId = 0;\n"
    assert text.count(edge_line) == 1 and text.count(worker_line) == 1
    planted = text.replace(edge_line, edge_line + "undefinedThing(maxAnswerBytes);\n").replace(
        worker_line, worker_line + "  const digit = /\\\\d/.test(String(undefinedThing));\n"
    )
    messages = eslint_stdin(planted, "personaclick_bridge.py")
    found = [(m["ruleId"], m["line"], m["column"]) for m in messages]
    edge_at = line_of(planted, "undefinedThing(maxAnswerBytes)")
    worker_at = line_of(planted, "undefinedThing))")
    assert found == [
        ("no-undef", *edge_at),
        ("no-unused-vars", *line_of(planted, "digit = ")),
        ("no-undef", *worker_at),
    ]


def test_the_module_lints_clean():
    """The module's JavaScript strings as committed have no finding."""
    assert eslint_stdin(MODULE.read_text(encoding="utf-8"), "personaclick_bridge.py") == []


def test_the_tag_carries_each_piece_of_javascript_once():
    """personaclick_bridge.js holds each JavaScript string of the module once: in the module's
    source, which the tag also takes its edge from."""
    tag = (ROOT / "personaclick_bridge.js").read_text(encoding="utf-8")
    for name in JS_STRINGS:
        as_in_the_tag = json.dumps(getattr(pc, name), ensure_ascii=False)[1:-1]
        assert tag.count(as_in_the_tag) == 1, name
