"""The in-browser test pages and the benchmark page, served apart from the demo page.

The sandbox serves the repository's demo files only; these pages are copied with what they load
(the bridge module and its built wheel) into a folder of their own, paths kept, and served with
``start_server(root=folder)``::

    server = start_server(root=page_folder(tmp_path / "pages"), data_dir=tmp_path / "data")
    page.goto(server.url + "tests/browser/bridge.html")
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the test and benchmark pages load, relative to the repository (make test builds dist/).
PAGE_SOURCES = ("tests/browser", "bench", "personaclick_bridge.py", "dist")


def page_folder(dest: Path) -> Path:
    """Copy PAGE_SOURCES into dest, keeping their paths, and return dest."""
    for source in PAGE_SOURCES:
        target = Path(dest) / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, target)
    return Path(dest)
