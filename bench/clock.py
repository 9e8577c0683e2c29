"""The bench scripts' clock in the page, on Pyodide and MicroPython, main thread and worker.

page.html ships it beside the scripts through the config's [files].
"""

import time


def now_ms():
    """Milliseconds since an arbitrary moment, to the microsecond."""
    if hasattr(time, "ticks_us"):  # MicroPython: microsecond ticks
        return time.ticks_us() / 1000
    return time.perf_counter() * 1000
