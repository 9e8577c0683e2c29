"""Five widgets booting: five concurrent segment_get against the sandbox's stand-in SDK.

Counts the calls that reach the SDK and the HTTP requests it sends, and times the last answer,
with the bridge and with the hand-written glue. Publishes the figures as JSON in #results.
"""

import asyncio
import json

from clock import now_ms
from pyscript import document, window

import glue
import personaclick_bridge as pc

WIDGETS = 5


async def boot(segment_get):
    """Start every widget at once; return SDK calls, HTTP requests and ms to the last answer."""
    calls, requests = window.benchSdkCalls(), window.benchSegmentRequests()
    start = now_ms()
    answers = await asyncio.gather(*(segment_get() for _ in range(WIDGETS)))
    elapsed = now_ms() - start
    await asyncio.sleep(0.2)  # a request the SDK sends late still counts
    assert all(answer == answers[0] for answer in answers), answers
    return {
        "sdk_calls": window.benchSdkCalls() - calls,
        "http_requests": window.benchSegmentRequests() - requests,
        "last_answer_ms": elapsed,
    }


async def run():
    await window.benchSdkReady()
    order = ["bridge", "glue"]
    if "glue_first" in str(window.location.search):  # runs take turns at going first
        order.reverse()
    getters = {"bridge": pc.segment_get, "glue": glue.segment_get}
    figures = {}
    for name in order:
        figures[name] = await boot(getters[name])
    results = document.getElementById("results")
    results.textContent = json.dumps(figures)
    results.setAttribute("data-done", "true")


await run()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
