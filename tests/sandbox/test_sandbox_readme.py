"""The sandbox commands of docs/sandbox-and-demo.md, run as printed against a running sandbox.

Only the port changes: the printed localhost:8000 becomes the test sandbox's free port.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from readme import readme_blocks
from sandbox.server import SandboxServer
from sandbox_helpers import SHOP


def curl_lines() -> list[str]:
    """Every curl command of the API and fault blocks, in order."""
    blocks = readme_blocks()
    lines = (blocks["sandbox-api"] + blocks["sandbox-faults"]).splitlines()
    assert all(line.startswith("curl ") for line in lines), lines
    return lines


def run_curl(line: str, server: SandboxServer) -> str:
    """Run one printed line in a shell, pointed at the server's port; return its output."""
    command = line.replace("localhost:8000", f"localhost:{server.port}")
    done = subprocess.run(
        command, shell=True, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, (line, done.stderr)
    return done.stdout


def test_readme_has_the_segment_and_fault_commands() -> None:
    """The section shows the API calls and one fault line per endpoint, plus read and clear."""
    lines = curl_lines()
    assert any("/segments/add" in line for line in lines)
    assert any("/segments/get" in line for line in lines)
    for endpoint in ("get", "add", "remove"):
        assert any(f'-d \'{{"{endpoint}": ' in line for line in lines), endpoint
    assert any(line.startswith("curl -X DELETE") for line in lines)


def test_readme_segment_commands_work(sandbox: SandboxServer) -> None:
    """The printed add (a form, as curl -d sends) lands, and its get lists it."""
    for line in curl_lines():
        if "/segments/add" in line:
            assert json.loads(run_curl(line, sandbox)) == {"status": "success"}
    assert sandbox.store.segment_ids(SHOP, "my-device") == [313]
    gets = [line for line in curl_lines() if "/segments/get" in line]
    assert [json.loads(run_curl(line, sandbox)) for line in gets] == [
        [{"id": 313, "type": "static"}]
    ]


@pytest.mark.parametrize("line", [line for line in curl_lines() if "_sandbox/faults -d" in line])
def test_readme_fault_lines_set_their_fault_and_only_theirs(
    sandbox: SandboxServer, line: str
) -> None:
    """Each PUT line sets the fault it prints (JSON under curl's form content type) and leaves
    the faults of other endpoints as they are."""
    printed = json.loads(re.search(r"-d '(.*)'", line).group(1))
    (endpoint,) = printed
    other = next(name for name in ("get", "add", "remove") if name != endpoint)
    sandbox.faults.set(other, latency_ms=7)
    answer = json.loads(run_curl(line, sandbox))
    fault = {"latency_ms": 0, "status": None, "drop": False, "hold": False} | printed[endpoint]
    assert answer == sandbox.faults.snapshot() == {other: answer[other], endpoint: fault}
    assert answer[other] == {"latency_ms": 7, "status": None, "drop": False, "hold": False}


def test_readme_fault_read_and_clear_lines(sandbox: SandboxServer) -> None:
    """The plain curl shows the table; curl -X DELETE clears it."""
    sandbox.faults.set("get", status=503)
    for line in curl_lines():
        if "_sandbox/faults" in line and " -d " not in line:
            answer = json.loads(run_curl(line, sandbox))
            if line.startswith("curl -X DELETE"):
                assert answer == {} == sandbox.faults.snapshot()
            else:
                fault = {"latency_ms": 0, "status": 503, "drop": False, "hold": False}
                assert answer == {"get": fault}
