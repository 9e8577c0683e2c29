"""Build personaclick_bridge.js, the one-tag install, from personaclick_bridge.py.

The tag carries the module's source as it is, and takes the module's JavaScript edge from it (a
raw string, so its text in the source is its value): the Python file stays the one source, and
the tag carries each piece of JavaScript once. Run by ``make personaclick_bridge.js``; a unit
test fails when the committed file differs from a fresh build.

    python3 scripts/build_tag.py [OUTPUT]    # default: personaclick_bridge.js beside the module
"""

import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "personaclick_bridge.py"
TEMPLATE = ROOT / "scripts" / "tag_template.js"


def built():
    """The text of personaclick_bridge.js for the module as it is now."""
    spec = importlib.util.spec_from_file_location("personaclick_bridge", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # importing it touches no JS and needs no pyscript
    source = MODULE.read_text(encoding="utf-8")
    start, end = edge_span(source, module._EDGE_JS)
    values = {
        "__VERSION__": module.__version__,
        "__SOURCE__": json.dumps(source, ensure_ascii=False),
        "__EDGE_START__": str(utf16_length(source[:start])),
        "__EDGE_END__": str(utf16_length(source[:end])),
        "__EDGE_PARAMETERS__": json.dumps(list(module._EDGE_PARAMETERS)),
        "__EDGE_SETTINGS__": json.dumps([module.MAX_ANSWER_BYTES, module.EARLY_ANSWER_WINDOW]),
    }
    # One pass: a value is never searched for placeholders.
    placeholders = re.compile("|".join(map(re.escape, values)))
    return placeholders.sub(lambda found: values[found[0]], TEMPLATE.read_text(encoding="utf-8"))


def edge_span(source, edge):
    """Where _EDGE_JS's value sits in the module's source, which holds it as is (a raw string)."""
    if source.count(edge) != 1:
        msg = "_EDGE_JS must appear once in personaclick_bridge.py as it is: keep it a raw string"
        raise ValueError(msg)
    start = source.index(edge)
    return start, start + len(edge)


def utf16_length(text):
    """The length of text in JavaScript's string units, which SOURCE.slice counts in."""
    return len(text.encode("utf-16-le")) // 2


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "personaclick_bridge.js"
    output.write_text(built(), encoding="utf-8")


if __name__ == "__main__":
    main()
