"""The README's marked blocks and CDN pins, as the tests that run them read them."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- readme:([\w-]+) -->\n```\w*\n(.*?)```", re.DOTALL)
CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/(dist/)?")
# Where scripts/vendor.py lays out each npm package's runtime files.
VENDORED = {
    "@pyscript/core": ("dist/", "/vendor/pyscript/"),
    "pyodide": (None, "/vendor/pyodide/"),
    "@micropython/micropython-webassembly-pyscript": (None, "/vendor/micropython/"),
}


def readme_blocks():
    """The README's marked code blocks by name, exactly as printed."""
    return dict(BLOCK.findall(README.read_text()))


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
        assert version == versions[package], f"the README pins {package}@{version}"
        expected_subfolder, local = VENDORED[package]
        assert subfolder == expected_subfolder, match.group(0)
        return local

    return CDN.sub(vendored, text)
