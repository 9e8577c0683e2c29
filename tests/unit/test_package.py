"""The release artefacts: sdist and wheel build offline, pass twine's checks, carry the licence."""

import email
import importlib.util
import posixpath
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import personaclick_bridge as pc

ROOT = Path(__file__).resolve().parents[2]
WHEEL = f"personaclick_bridge-{pc.__version__}-py3-none-any.whl"
SDIST = f"personaclick_bridge-{pc.__version__}.tar.gz"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel, built from this checkout with the pinned hatchling, offline."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_twine_accepts_both_artefacts(built):
    """twine check --strict passes the sdist and the wheel (metadata and README render)."""
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *sorted(map(str, built.iterdir()))],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_is_the_pure_module_with_its_licence_and_no_dependencies(built):
    """The wheel holds the module as a typed package and the MIT licence; its version is
    __version__."""
    with zipfile.ZipFile(built / WHEEL) as wheel:
        names = set(wheel.namelist())
        dist_info = f"personaclick_bridge-{pc.__version__}.dist-info"
        metadata = email.message_from_bytes(wheel.read(f"{dist_info}/METADATA"))
        licence = wheel.read(f"{dist_info}/licenses/LICENSE").decode()
        wheel_info = wheel.read(f"{dist_info}/WHEEL").decode()
    package = {name for name in names if not name.startswith(dist_info)}
    assert package == {"personaclick_bridge/__init__.py", "personaclick_bridge/py.typed"}
    with zipfile.ZipFile(built / WHEEL) as wheel:
        module = wheel.read("personaclick_bridge/__init__.py")
    assert module == (ROOT / "personaclick_bridge.py").read_bytes()
    assert metadata["Version"] == pc.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("Requires-Dist") is None
    assert "Root-Is-Purelib: true" in wheel_info
    assert licence == (ROOT / "LICENSE").read_text()
    assert "Copyright (c) 2026 the personaclick-bridge authors" in licence


def test_micropython_can_unzip_the_wheel_one_folder_level_at_a_time(built):
    """Each entry's folder exists, or its parent does, when PyScript's [files] reaches it."""
    made = {""}
    with zipfile.ZipFile(built / WHEEL) as wheel:
        names = wheel.namelist()
    for name in names:
        folder = posixpath.dirname(name)
        assert folder in made or posixpath.dirname(folder) in made, name
        made.update({folder, posixpath.dirname(folder)})
    assert names[-1].endswith(".dist-info/RECORD")


def test_sdist_carries_licence_and_changelog(built):
    """The sdist ships the licence and the changelog beside the module."""
    with tarfile.open(built / SDIST) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "personaclick_bridge.py", "py.typed"} <= names


def test_changelog_has_unreleased_and_the_current_version():
    """CHANGELOG.md keeps an Unreleased section and one for the version being built."""
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert pc.__version__ in headings


def test_the_tag_is_a_fresh_build_of_the_module():
    """personaclick_bridge.js is generated: it equals what scripts/build_tag.py makes now."""
    spec = importlib.util.spec_from_file_location("build_tag", ROOT / "scripts" / "build_tag.py")
    build_tag = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_tag)
    committed = (ROOT / "personaclick_bridge.js").read_text(encoding="utf-8")
    assert committed == build_tag.built(), "run `make personaclick_bridge.js` and commit it"
