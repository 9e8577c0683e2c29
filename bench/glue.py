"""The glue a developer writes by hand without the bridge: a once-callable and a future.

No validation, no timeout, no error handling: the baseline the bridge is measured against.
"""

import asyncio
import json

from pyscript import window

try:
    from pyodide.ffi import create_once_callable
except ImportError:  # MicroPython never destroys a callable handed to JS
    create_once_callable = None


async def segment_get():
    """Return the current visitor's segments as the SDK's callback received them."""
    if create_once_callable is None:
        return await _segment_get_micropython()
    future = asyncio.get_running_loop().create_future()
    window.personaclick("segment", "get", create_once_callable(future.set_result))
    return (await future).to_py()


async def _segment_get_micropython():
    # MicroPython's asyncio has no futures: an Event carries the answer instead.
    answered = asyncio.Event()
    answer = []

    def on_answer(payload):
        answer.append(json.loads(window.JSON.stringify(payload)))
        answered.set()

    window.personaclick("segment", "get", on_answer)
    await answered.wait()
    return answer[0]
