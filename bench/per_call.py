"""Time sequential segment_get calls of the bridge, then publish microseconds per call as JSON.

The SDK answers in a microtask, so the figure is the bridge's own cost on this engine and
configuration: the per-engine table's per-call column (python -m bench.engines).
"""

import json

from clock import now_ms
from pyscript import document, window

import personaclick_bridge as pc

CALLS = 2000
WARM_UP = 200


async def microseconds_per_call(count):
    start = now_ms()
    for _ in range(count):
        await pc.segment_get()
    return (now_ms() - start) * 1000 / count


window.fakeSdk.configure(json.dumps({"get": "microtask", "payload": [{"id": 1, "type": "static"}]}))
await microseconds_per_call(WARM_UP)  # noqa: F704, PLE1142 - PyScript runs top-level await
figures = {"bridge_us": await microseconds_per_call(CALLS)}  # noqa: F704, PLE1142
figures["js_us"] = await window.benchFloor(CALLS)  # noqa: F704, PLE1142
results = document.getElementById("results")
results.textContent = json.dumps(figures)
results.setAttribute("data-done", "true")
