"""Order a built wheel's entries so that PyScript's `[files]` can unzip it on MicroPython.

PyScript 0.7 unzips a wheel by making one directory level per file (`mkdir(dirname)`), so the
`.dist-info/licenses/LICENSE` that flit writes first fails there: its `.dist-info` folder does
not exist yet. Moving the licence files after the dist-info's own files (RECORD stays last)
changes no byte of any file.

    .venv/bin/python scripts/wheel_order.py dist/*.whl
"""

import posixpath
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path


def parents_first(names):
    """Entry names reordered so each one's folder exists or is one level below one that does."""
    made, ordered, pending = {""}, [], list(names)
    while pending:
        ready = next(name for name in pending if posixpath.dirname(posixpath.dirname(name)) in made)
        pending.remove(ready)
        ordered.append(ready)
        folder = posixpath.dirname(ready)
        while folder not in made:
            made.add(folder)
            folder = posixpath.dirname(folder)
    return ordered


def reorder(wheel):
    """Rewrite one wheel in place with its entries in parents_first order."""
    with zipfile.ZipFile(wheel) as source, tempfile.TemporaryDirectory() as temp:
        infos = {info.filename: info for info in source.infolist()}
        target = Path(temp) / Path(wheel).name
        with zipfile.ZipFile(target, "w") as copy:
            for name in parents_first(list(infos)):
                copy.writestr(infos[name], source.read(name))
        shutil.copyfile(target, wheel)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        reorder(path)
