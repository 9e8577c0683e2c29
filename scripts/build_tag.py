"""Build personaclick_bridge.js, the one-tag install, from personaclick_bridge.py.

The tag carries the module's source and its JavaScript edge as they are in the module: the
Python file stays the one source. Run by ``make personaclick_bridge.js``; a unit test fails when
the committed file differs from a fresh build.

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
    values = {
        "__VERSION__": module.__version__,
        "__SOURCE__": json.dumps(MODULE.read_text(encoding="utf-8"), ensure_ascii=False),
        "__EDGE_JS__": json.dumps(module._EDGE_JS, ensure_ascii=False),
        "__EDGE_PARAMETERS__": json.dumps(list(module._EDGE_PARAMETERS)),
        "__EDGE_SETTINGS__": json.dumps([module.MAX_ANSWER_BYTES, module.EARLY_ANSWER_WINDOW]),
    }
    # One pass: a value is never searched for placeholders.
    placeholders = re.compile("|".join(map(re.escape, values)))
    return placeholders.sub(lambda found: values[found[0]], TEMPLATE.read_text(encoding="utf-8"))


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "personaclick_bridge.js"
    output.write_text(built(), encoding="utf-8")


if __name__ == "__main__":
    main()
