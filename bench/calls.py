"""Time calls in the page and publish the figures as JSON in #results: the calls benchmark.

Per-call cost of sequential segment_get with the bridge, the hand-written glue and pure
JavaScript; concurrent calls against an SDK that answers after a fixed delay; and memory
before and after 10,000 calls ending in success, timeout and SDK error.
"""

import asyncio
import gc
import json
import time

from pyscript import document, window

import glue
import personaclick_bridge as pc

SEQUENTIAL_CALLS = 2000
BLOCKS = 4  # bridge and glue take turns, so drift on a shared machine hits both alike
CONCURRENCY = (1, 10, 100, 1000)
DELAY_MS = 250  # a round trip to PersonaClick's API from a storefront
MEMORY_CALLS = 10_000
MEMORY_BATCH = 100
MIXED_TIMEOUT = 0.01  # seconds: the calls the SDK never answers end in SDKTimeoutError
SEGMENTS = [{"id": 100500, "type": "static"}]


def now_ms():
    if hasattr(time, "ticks_us"):  # MicroPython: microsecond ticks
        return time.ticks_us() / 1000
    return time.perf_counter() * 1000


def behave(**behaviour):
    window.fakeSdk.configure(json.dumps(behaviour))


async def sequential_ms(get, count):
    start = now_ms()
    for _ in range(count):
        await get()
    return now_ms() - start


async def per_call():
    """Microseconds per sequential segment_get against an SDK that answers in a microtask."""
    behave(get="microtask", payload=SEGMENTS)
    await sequential_ms(pc.segment_get, 200)  # warm-up
    await sequential_ms(glue.segment_get, 200)
    totals = {"bridge": 0, "glue": 0}
    block = SEQUENTIAL_CALLS // BLOCKS
    for _ in range(BLOCKS):
        totals["bridge"] += await sequential_ms(pc.segment_get, block)
        totals["glue"] += await sequential_ms(glue.segment_get, block)
    figures = {name: total * 1000 / (block * BLOCKS) for name, total in totals.items()}
    figures["js"] = await window.benchFloor(SEQUENTIAL_CALLS)
    return figures


async def sleeper():
    await asyncio.sleep(DELAY_MS / 1000)


async def concurrency():
    """Milliseconds for n concurrent calls answered after DELAY_MS, and for n bare sleeps."""
    behave(get="async", payload=SEGMENTS, delayMs=DELAY_MS)
    figures = {"delay_ms": DELAY_MS, "bridge_ms": {}, "sleep_ms": {}}
    for count in CONCURRENCY:
        for name, make in (("bridge_ms", pc.segment_get), ("sleep_ms", sleeper)):
            start = now_ms()
            await asyncio.gather(*(make() for _ in range(count)))
            figures[name][str(count)] = now_ms() - start
    return figures


async def mixed_call():
    try:
        await pc.segment_get(timeout=MIXED_TIMEOUT)
    except pc.PersonaClickError:
        pass


async def mixed_calls(count):
    for _ in range(count // MEMORY_BATCH):
        await asyncio.gather(*(mixed_call() for _ in range(MEMORY_BATCH)))


async def python_memory():
    """Live Python objects; allocated heap bytes on MicroPython, which cannot count objects."""
    readings = []
    for _ in range(2):  # MicroPython's first collection can miss what the event loop just let go
        await asyncio.sleep(0.05)
        gc.collect()
        readings.append(len(gc.get_objects()) if hasattr(gc, "get_objects") else gc.mem_alloc())
    key = "python_objects" if hasattr(gc, "get_objects") else "python_heap_bytes"
    return {key: readings[-1]}


async def memory_now():
    # JS first: its collection lets go of the Python callables that JS still held.
    js_heap = await window.benchHeap()
    figures = await python_memory()
    figures["js_heap_bytes"] = js_heap
    return figures


async def memory():
    """Python and JS heap before and after calls ending in answers, timeouts and SDK errors."""
    mixed = {"get": "mixed", "payload": SEGMENTS, "throwMessage": "boom"}
    behave(**mixed)
    await mixed_calls(MEMORY_CALLS)  # warm-up: caches, tables and JIT reach their working size
    behave(**mixed)  # the fake SDK forgets the calls it recorded before each measurement
    before = await memory_now()
    await mixed_calls(MEMORY_CALLS)
    behave(**mixed)
    return {"calls": MEMORY_CALLS, "before": before, "after": await memory_now()}


async def run():
    # Memory first: the glue's callables would still await JS's collector in the figures.
    figures = {"memory": await memory()}
    figures["per_call_us"] = await per_call()
    figures["concurrency"] = await concurrency()
    results = document.getElementById("results")
    results.textContent = json.dumps(figures)
    results.setAttribute("data-done", "true")


await run()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
