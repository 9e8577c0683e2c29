"""Await one segment_get as soon as the interpreter is up and publish it: the boot benchmark."""

import json

import js
from pyscript import RUNNING_IN_WORKER, document

try:
    from personaclick_bridge import segment_get
except ImportError:  # the glue page ships the hand-written glue instead of the bridge
    from glue import segment_get

results = document.getElementById("results")
called = js.performance.now()
answer = await segment_get()  # noqa: F704, PLE1142 - top-level await
# The widget's own wait, call to answer: what the tag's early call saves it (first-result).
call_ms = js.performance.now() - called
results.textContent = json.dumps(answer)
results.setAttribute("data-call-ms", str(call_ms))
# When the call left, in ms since the epoch: a worker's clock starts later than the page's.
results.setAttribute("data-called-at", str(js.performance.timeOrigin + called))
if RUNNING_IN_WORKER:  # a worker's downloads are missing from the page's own timeline
    entries = js.performance.getEntriesByType("resource")
    worker_bytes = sum(entries[index].transferSize for index in range(entries.length))
    results.setAttribute("data-worker-bytes", str(worker_bytes))
results.setAttribute("data-done", "true")
