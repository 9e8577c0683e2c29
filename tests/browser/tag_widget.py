"""One widget of tag.html: it imports the bridge with no config and does ?steps=, then lists
what each step ended with, where its module came from and whether the tag wrote a copy, as one
item of #widgets.

It makes its first call once every widget of the page has booted (tag.html's widgetBooted), so
that no timeout runs while another interpreter boots. Steps: get, fresh (a get with fresh=True),
add; window moves the page's clock past EARLY_ANSWER_WINDOW (tag.html's skipAhead); loader waits
until the page has added PersonaClick's loader (tag.html's ?loader=MS). ?global= names the SDK
global, ?timeout= bounds gets.
"""

import json

from pyscript import document, window

import personaclick_bridge as pc

query = window.URLSearchParams.new(window.location.search)
client = pc.PersonaClick(
    query.get("global") or "personaclick", timeout=float(query.get("timeout") or 10)
)


async def outcome(step):
    """What one step ended with: the segments a get returned, or the name of its error."""
    try:
        if step == "add":
            return await client.segment_add(100500)
        return await client.segment_get(fresh=step == "fresh")
    except pc.PersonaClickError as error:
        return type(error).__name__


async def widget():
    """Do the steps and list the outcomes: local names, as widgets on the main thread share one
    interpreter's globals."""
    outcomes = []
    await window.widgetBooted()
    window.widgetCalls()  # counted for the test that holds the SDK's answers
    for step in (query.get("steps") or "get").split(","):
        if step == "window":
            window.skipAhead(pc.EARLY_ANSWER_WINDOW * 1000)
        elif step == "loader":
            await window.loaderArrived()
        else:
            outcomes.append(await outcome(step))
    try:
        open("personaclick_bridge.py").close()  # noqa: SIM115 - MicroPython has no os.path
        written = True
    except OSError:
        written = False
    item = document.createElement("li")
    item.textContent = json.dumps({"outcomes": outcomes, "module": pc.__file__, "written": written})
    document.getElementById("widgets").append(item)


await widget()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
