"""Run every case of bridge_cases.py on this page and publish the outcome for pytest."""

import json
import sys

from pyscript import document

import bridge_cases


def failure_text(error):
    """The traceback of error, on CPython-like runtimes and on MicroPython."""
    if hasattr(sys, "print_exception"):
        import io

        buffer = io.StringIO()
        sys.print_exception(error, buffer)
        return buffer.getvalue()
    import traceback

    return "".join(traceback.format_exception(error))


async def run_cases():
    results = {}
    output = document.getElementById("results")
    for name in sorted(name for name in dir(bridge_cases) if name.startswith("case_")):
        output.setAttribute("data-running", name)  # named by pytest if the page never finishes
        try:
            await getattr(bridge_cases, name)()
            results[name] = "passed"
        except Exception as error:  # a failed case is reported, the others still run
            results[name] = failure_text(error)
    output.textContent = json.dumps(results)
    output.setAttribute("data-done", "true")


await run_cases()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
