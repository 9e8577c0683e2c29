"""The harness's sandbox in a process of its own (browsers.SandboxProcess, used by the bench):
it keeps its port and data over a kill -9 and a restart."""

import http.client
import json

from browsers import SandboxProcess


def test_a_sandbox_process_restarts_on_its_port_with_its_data(tmp_path):
    """python -m sandbox in a process of its own keeps its port and data over a kill -9."""
    device = {"shop_id": "demo-shop", "did": "harness", "sid": "s"}
    sandbox = SandboxProcess(tmp_path / "data")
    try:
        port = sandbox.port
        status, _ = ask(port, "POST", "/segments/add", {**device, "segment_id": 313})
        assert status == 200
        sandbox.kill()
        sandbox.restart()
        assert sandbox.port == port
        query = "&".join(f"{key}={value}" for key, value in device.items())
        assert ask(port, "GET", f"/segments/get?{query}") == (200, [{"id": 313, "type": "static"}])
    finally:
        sandbox.close()


def ask(port, method, path, body=None):
    """The status and JSON answer of one request to the sandbox on port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"}
        connection.request(method, path, body and json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
