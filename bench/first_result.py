"""Await one segment_get as soon as the interpreter is up and publish it: the boot benchmark."""

import json

from pyscript import document

try:
    from personaclick_bridge import segment_get
except ImportError:  # the glue page ships the hand-written glue instead of the bridge
    from glue import segment_get

results = document.getElementById("results")
results.textContent = json.dumps(await segment_get())  # noqa: F704, PLE1142 - top-level await
results.setAttribute("data-done", "true")
