"""The release files: `make release` builds the wheel, the sdist and the npm package from a
clean checkout without the test tools; they pass twine's checks and carry the licence and the tag.
"""

import email
import importlib.util
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import personaclick_bridge as pc
from readme import readme_blocks

ROOT = Path(__file__).resolve().parents[2]
WHEEL = f"personaclick_bridge-{pc.__version__}-py3-none-any.whl"
SDIST = f"personaclick_bridge-{pc.__version__}.tar.gz"
NPM_PACKAGE = f"personaclick-bridge-{pc.__version__}.tgz"


def checkout_files():
    """The files a clean checkout holds, as they are in this working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A clean checkout where `make release` ran, and nothing else."""
    folder = tmp_path_factory.mktemp("checkout")
    for name in checkout_files():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    subprocess.run(["make", "release"], cwd=folder, check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def built(checkout):
    """The release files that `make release` wrote to dist/."""
    return checkout / "dist"


def test_make_release_builds_the_three_files_without_the_test_tools(checkout, built):
    """dist/ holds the wheel, the sdist and the npm package; .venv has no test tool in it."""
    assert sorted(path.name for path in built.iterdir() if path.name != ".ready") == sorted(
        [NPM_PACKAGE, WHEEL, SDIST]
    )
    installed = subprocess.run(
        [checkout / ".venv" / "bin" / "python", "-m", "pip", "list", "--format=json"],
        capture_output=True,
        check=True,
    )
    names = {package["name"].lower() for package in json.loads(installed.stdout)}
    assert "build" in names and "hatchling" in names
    assert not names & {"pytest", "playwright", "mypy", "ruff", "uvicorn", "twine"}


def test_twine_accepts_both_artefacts(built):
    """twine check --strict passes the sdist and the wheel (metadata and README render)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "check",
            "--strict",
            str(built / WHEEL),
            str(built / SDIST),
        ],
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
    assert package == {
        "personaclick_bridge/__init__.py",
        "personaclick_bridge/testing.py",
        "personaclick_bridge/py.typed",
        "personaclick_bridge/personaclick_bridge.js",
    }
    with zipfile.ZipFile(built / WHEEL) as wheel:
        module = wheel.read("personaclick_bridge/__init__.py")
        testing = wheel.read("personaclick_bridge/testing.py")
        tag = wheel.read("personaclick_bridge/personaclick_bridge.js")
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert module == (ROOT / "personaclick_bridge.py").read_bytes()
    assert testing == (ROOT / "personaclick_bridge_testing.py").read_bytes()
    assert "[pytest11]\npersonaclick_bridge = personaclick_bridge.testing" in entry_points
    assert tag == (ROOT / "personaclick_bridge.js").read_bytes()
    assert metadata["Version"] == pc.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("Requires-Dist") is None
    assert "Root-Is-Purelib: true" in wheel_info
    assert licence == (ROOT / "LICENSE").read_text()
    assert "Copyright (c) 2026 the personaclick-bridge authors" in licence


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """A folder where pip installed the wheel alone, as a storefront team installs it."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
        + ["--target", str(site), str(built / WHEEL)],
        check=True,
        capture_output=True,
    )
    return site


def pytest_with(site, *args, cwd):
    """pytest in a new process, with the installed wheel on its path before anything else."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(site)},
        check=False,
        capture_output=True,
        text=True,
    )


def test_the_wheel_tests_a_widget_as_the_docs_show(installed, tmp_path):
    """With the wheel installed, pytest finds the personaclick fixture, and docs/testing.md's
    tests pass as printed against the wheel's personaclick_bridge and its .testing."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # nothing of this repository's settings
    (tmp_path / "test_widget.py").write_text(readme_blocks()["testing-py"])
    (tmp_path / "test_installed.py").write_text(
        "import personaclick_bridge\n"
        "import personaclick_bridge.testing\n\n\n"
        "def test_the_wheel_runs(personaclick):\n"
        "    assert isinstance(personaclick, personaclick_bridge.testing.StandIn)\n"
        f"    assert personaclick_bridge.__file__.startswith({str(installed)!r})\n"
    )
    result = pytest_with(installed, cwd=tmp_path)
    assert "3 passed" in result.stdout, result.stdout + result.stderr


def test_with_the_wheel_installed_this_repository_still_tests_the_source(installed):
    """The wheel's plugin would import personaclick_bridge first, and in this repository, with
    "." first on the path, that name is the top-level module, not a package: pyproject's
    `-p no:personaclick_bridge` keeps the plugin out, and the tests take the source."""
    test = "tests/unit/test_stand_in.py::test_the_unit_tests_take_the_bridge_and_the_kit_from_the"
    result = pytest_with(installed, f"{test}_source", cwd=ROOT)
    assert "1 passed" in result.stdout, result.stdout + result.stderr


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


def test_sdist_carries_licence_changelog_and_the_tag(built):
    """The sdist ships the licence, the changelog and the tag beside the module."""
    with tarfile.open(built / SDIST) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "personaclick_bridge.py",
        "personaclick_bridge_testing.py",
        "personaclick_bridge.js",
        "py.typed",
    } <= names


def test_npm_package_holds_the_tag_the_module_readme_and_licence(built):
    """npm pack's tarball: the two files a page serves, README and LICENSE, and a package.json
    that npm can publish, at __version__."""
    with tarfile.open(built / NPM_PACKAGE) as package:
        names = set(package.getnames())
        manifest = json.load(package.extractfile("package/package.json"))
        tag = package.extractfile("package/personaclick_bridge.js").read()
        module = package.extractfile("package/personaclick_bridge.py").read()
    assert names == {
        "package/package.json",
        "package/personaclick_bridge.js",
        "package/personaclick_bridge.py",
        "package/README.md",
        "package/LICENSE",
    }
    assert manifest["name"] == "personaclick-bridge"
    assert manifest["version"] == pc.__version__
    assert manifest["license"] == "MIT"
    assert "private" not in manifest and not manifest.get("dependencies")
    assert tag == (ROOT / "personaclick_bridge.js").read_bytes()
    assert module == (ROOT / "personaclick_bridge.py").read_bytes()


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
