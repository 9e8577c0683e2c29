"""Lay out vendor/: the pinned PyScript, Pyodide and MicroPython runtimes, served from 127.0.0.1.

Run after `npm ci`. Copies the npm packages' runtime files, downloads the wheels pinned in
runtime-wheels.txt, and points pyodide-lock.json at those wheels so that they pass Pyodide's
integrity check (PyPI's wheels differ byte for byte from the ones Pyodide's CDN serves).
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "vendor"
PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
MICROPYTHON_FILES = ["micropython.mjs", "micropython.wasm"]


def copy_runtimes() -> None:
    """Copy the runtime files of the npm packages into vendor/."""
    shutil.copytree(
        NODE_MODULES / "@pyscript/core/dist",
        VENDOR / "pyscript",
        ignore=shutil.ignore_patterns("*.map"),
    )
    for name in PYODIDE_FILES:
        shutil.copy2(NODE_MODULES / "pyodide" / name, VENDOR / "pyodide" / name)
    micropython = NODE_MODULES / "@micropython/micropython-webassembly-pyscript"
    for name in MICROPYTHON_FILES:
        shutil.copy2(micropython / name, VENDOR / "micropython" / name)


def download_wheels() -> list[Path]:
    """Download the pinned, hash-checked wheels into vendor/pyodide/."""
    target = VENDOR / "pyodide"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        + ["--no-deps", "--only-binary=:all:", "--python-version", "3.14", "--require-hashes"]
        + ["-r", str(ROOT / "runtime-wheels.txt"), "-d", str(target)],
        check=True,
    )
    return sorted(target.glob("*.whl"))


def point_lock_at(wheels: list[Path]) -> None:
    """Record each served wheel's file name, version and sha256 in pyodide-lock.json."""
    lock_path = VENDOR / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        entry = lock["packages"][name.lower().replace("_", "-")]
        entry["file_name"] = wheel.name
        entry["version"] = version
        entry["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    lock_path.write_text(json.dumps(lock, separators=(",", ":")))


def main() -> None:
    shutil.rmtree(VENDOR, ignore_errors=True)
    for folder in ("pyodide", "micropython"):
        (VENDOR / folder).mkdir(parents=True)
    copy_runtimes()
    point_lock_at(download_wheels())
    size = sum(path.stat().st_size for path in VENDOR.rglob("*") if path.is_file())
    print(f"vendor/ ready: {size:,} bytes")


if __name__ == "__main__":
    main()
