"""The documented commands that run part of the suite (docs/developing.md's pytest-parts block)
select what they say they select."""

import subprocess
import sys

from readme import ROOT, readme_blocks

ENGINES = ("chromium", "firefox", "webkit")


def readme_commands():
    """{arguments: comment} of each `.venv/bin/pytest` line of the pytest-parts block."""
    commands = {}
    for line in readme_blocks()["pytest-parts"].splitlines():
        if line.startswith(".venv/bin/pytest "):
            command, _, comment = line.partition("#")
            commands[command.split(maxsplit=1)[1].strip()] = comment.strip()
    return commands


def collected(arguments):
    """The test ids that pytest collects with arguments, without running any."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + arguments.split(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_the_readme_shows_one_layer_one_engine_and_one_configuration():
    """The three commands are there, as the tests below check them, and no other pytest line."""
    assert len(readme_blocks()["pytest-parts"].splitlines()) == len(readme_commands())
    assert set(readme_commands()) == {
        "tests/unit",
        "tests/browser --engine firefox",
        "tests/browser -k micropython-worker",
    }


def test_unit_layer_alone():
    """tests/unit collects the CPython tests only."""
    ids = collected("tests/unit")
    assert ids and all(test_id.startswith("tests/unit/") for test_id in ids)


def test_one_engine_alone():
    """--engine firefox collects every browser test, on Firefox only."""
    ids = collected("tests/browser --engine firefox")
    assert len(ids) == len(collected("tests/browser")) // len(ENGINES)
    assert all("firefox" in test_id for test_id in ids)
    assert not any(other in test_id for test_id in ids for other in ("chromium", "webkit"))


def test_one_configuration_alone():
    """-k micropython-worker collects that configuration's browser tests, on every engine."""
    ids = collected("tests/browser -k micropython-worker")
    assert ids and all("micropython-worker" in test_id for test_id in ids)
    assert all(any(engine in test_id for test_id in ids) for engine in ENGINES)


def test_unit_layer_loads_no_browser_or_server_stack():
    """Collecting tests/unit imports no browser driver, server or harness: the unit layer
    needs the unit dependencies alone."""
    stacks = ["browsers", "playwright", "selenium", "uvicorn", "starlette", "sandbox"]
    code = (
        "import sys, pytest\n"
        "code = pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', 'tests/unit'])\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {stacks!r}))\n"
        "sys.exit(code)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "[]", run.stdout.splitlines()[-1]
