"""The bridge's real JavaScript edge in a Node.js process: the unit tests' stand-in for a page.

node_edge.cjs evaluates personaclick_bridge.py's own _EDGE_JS and _WORKER_JS against the scripted
SDK of fake_sdk.js (the browser tests' fake PersonaClick), and answers one JSON command a line.
"""

import asyncio
import itertools
import json
import queue
import subprocess
import threading
from pathlib import Path

import personaclick_bridge as pc

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "node_edge.cjs"  # CommonJS: package.json makes .js files ES modules
FAKE_SDK = HERE / "fake_sdk.js"
EDGE_SETTINGS = {
    "names": pc._EDGE_PARAMETERS,
    "values": [pc.MAX_ANSWER_BYTES, pc.EARLY_ANSWER_WINDOW],
}


class NodeEdge:
    """The bridge's real JS edge in a Node.js process, reached through send/get like the page's."""

    def __init__(self):
        self.process = subprocess.Popen(
            [
                *("node", str(DRIVER), str(FAKE_SDK)),
                *(pc._EDGE_JS, pc._WORKER_JS, json.dumps(EDGE_SETTINGS)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.replies = queue.Queue()
        self.pending = {}
        self.call_ids = itertools.count()
        self.loop = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            if "id" in message:
                future = self.pending.pop(message["id"])
                self.loop.call_soon_threadsafe(future.set_result, message["text"])
            else:
                self.replies.put(message["text"])

    def _command(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def _ask(self, **command):
        self._command(**command)
        return self.replies.get(timeout=10)

    def fake_sdk(self, op, *args):
        """Call window.fakeSdk[op](*args) in Node and return its result as text."""
        return self._ask(op=op, args=list(args))

    def behave(self, **behaviour):
        self.fake_sdk("configure", json.dumps(behaviour))

    def sdk_actions(self):
        return [call["action"] for call in json.loads(self.fake_sdk("callsJson"))]

    def send(self, global_name, action, params):
        return self._ask(op="send", name=global_name, action=action, params=params)

    def get(self, global_name, timeout_ms, fresh):
        future, call_id = self._expect()
        self._command(op="get", id=call_id, name=global_name, timeoutMs=timeout_ms, fresh=fresh)
        return future

    def _expect(self, call_id=None):
        self.loop = asyncio.get_running_loop()
        future = self.loop.create_future()
        call_id = next(self.call_ids) if call_id is None else call_id
        self.pending[call_id] = future
        return future, call_id

    def worker_burst(self, *calls, **command):
        """Make calls (dicts of op, name, ...) through _WORKER_JS in one task; return futures."""
        calls = [dict(call) for call in calls]
        futures = []
        for call in calls:
            future, call["id"] = self._expect()
            futures.append(future)
        self._command(**{"op": "burst", **command, "calls": calls})
        return futures

    def late_worker_burst(self, delay_ms, *calls):
        """Like worker_burst, from a new worker whose page end listens only delay_ms later."""
        channel = next(self.call_ids)
        return self.worker_burst(*calls, op="late", channel=channel, delayMs=delay_ms)

    def worker_send(self, global_name, action, params):
        return self.worker_burst(dict(op="send", name=global_name, action=action, params=params))[0]

    def worker_get(self, global_name, timeout_ms, fresh):
        call = dict(op="get", name=global_name, timeoutMs=timeout_ms, fresh=fresh)
        return self.worker_burst(call)[0]

    def post(self, *message):
        """Post [id, kind, globalName, ...] on the raw channel; return the answer's future."""
        future, _ = self._expect(f"raw-{message[0]}")
        self._command(op="post", message=list(message))
        return future

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)
