"""Expose the bridge to the end-to-end tests: window.bridgeCall(json) runs one operation.

An operation is {"op": "add" | "remove" | "get" | "add_many" | "start_get" | "finish_get",
"args": [...], "kwargs": {...}}; the answer is {"ok": result} or {"error": name, "message": text}.
"""

import asyncio
import json

from pyscript import document, window
from pyscript.ffi import create_proxy

import personaclick_bridge as pc

pending = []


async def add_many(segment_ids):
    await asyncio.gather(*(pc.segment_add(segment_id) for segment_id in segment_ids))


async def start_get(timeout):
    pending.append(asyncio.create_task(pc.segment_get(timeout=timeout)))
    await asyncio.sleep(0)  # let the call reach the SDK (or its stub) now


async def finish_get():
    return await pending.pop(0)


OPERATIONS = {
    "add": pc.segment_add,
    "remove": pc.segment_remove,
    "get": pc.segment_get,
    "add_many": add_many,
    "start_get": start_get,
    "finish_get": finish_get,
}


async def bridge_call(request_json):
    request = json.loads(request_json)
    operation = OPERATIONS[request["op"]]
    try:
        result = await operation(*request.get("args", []), **request.get("kwargs", {}))
    except Exception as error:  # handed to the test, which asserts on it
        return json.dumps({"error": type(error).__name__, "message": str(error)})
    return json.dumps({"ok": result})


window.bridgeCall = create_proxy(bridge_call)
document.getElementById("ready").setAttribute("data-ready", "true")
