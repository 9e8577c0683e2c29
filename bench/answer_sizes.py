"""Take in one segment_get answer of ?bytes=N bytes, made in JavaScript, and publish whether it
parsed: python -m bench.headroom bisects N over fresh pages to find the interpreter's ceiling.
"""

import gc
import json

from pyscript import document, window

# The edge's text for 30-byte segments, about as long as asked: a huge answer as the SDK makes it.
ANSWER_OF = window.Function(
    "bytes",
    """
const segments = Array.from({ length: Math.ceil(bytes / 30) }, (_, i) => ({
  id: 1e6 + i,
  type: "static",
}));
return JSON.stringify({ answered: segments });
""",
)

size = int(window.URLSearchParams.new(window.location.search).get("bytes"))
gc.collect()
try:
    taken_in = len(json.loads(ANSWER_OF(size))["answered"]) > 0
except MemoryError:
    taken_in = False
results = document.getElementById("results")
results.textContent = json.dumps({"bytes": size, "taken_in": taken_in})
results.setAttribute("data-done", "true")
