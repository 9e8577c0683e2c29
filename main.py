"""The demo storefront's widgets: the visitor's segments and a join/leave form.

Thin page wiring over personaclick_bridge: each handler calls the bridge, and every
PersonaClickError or validation error becomes one friendly sentence in the status line.
"""

try:
    import pyodide_http
except ImportError:  # MicroPython has no urllib or requests to patch
    pass
else:
    pyodide_http.patch_all()  # first, so widget code on this page may use urllib and requests

from pyscript import document, fetch, when, window  # noqa: E402

import personaclick_bridge as pc  # noqa: E402

SHOP_ID = "demo-shop"
bridge = pc.PersonaClick(timeout=5)  # a widget should give up sooner than the 10 s default
segment_names = {}


def show_status(text, kind="info"):
    status = document.getElementById("status")
    status.textContent = text
    status.className = kind


def friendly(error):
    """One sentence for a visitor, for every error the bridge raises."""
    if isinstance(error, pc.SDKNotLoadedError):
        return "Segments are unavailable: the PersonaClick script is not on this page."
    if isinstance(error, pc.SDKTimeoutError):
        return "PersonaClick did not answer in time. Please try again in a moment."
    if isinstance(error, pc.SDKError):
        return "PersonaClick could not handle that request. Please try again later."
    return f"Please check the form: {error}."


def set_busy(busy):
    for button_id in ("refresh", "join", "leave"):
        document.getElementById(button_id).disabled = busy


def field(element_id):
    return document.getElementById(element_id).value.strip()


def render_segments(segments):
    """List the segments as text nodes, never as HTML."""
    listing = document.getElementById("segments")
    listing.replaceChildren()
    for segment in segments or [{"id": None}]:
        item = document.createElement("li")
        if segment["id"] is None:
            item.textContent = "You are in no segment yet."
        else:
            name = segment_names.get(segment["id"], "Segment")
            item.textContent = f"{name} (#{segment['id']}, {segment['type']})"
        listing.append(item)


async def load_catalogue():
    """Segment names for the list and the form, from the local sandbox only."""
    if "sdk=cdn" in window.location.search:
        return
    # Absolute: in a worker a relative URL would resolve against the worker's script.
    response = await fetch(f"{window.location.origin}/_sandbox/catalogue?shop_id={SHOP_ID}")
    catalogue = await response.json()
    options = document.getElementById("catalogue")
    for segment in catalogue:
        segment_names[segment["id"]] = segment["name"]
        option = document.createElement("option")
        option.value = str(segment["id"])
        option.textContent = f"{segment['name']} ({segment['type']})"
        options.append(option)


async def refresh():
    """Show the visitor's segments; return False if PersonaClick failed."""
    try:
        render_segments(await bridge.segment_get())
    except pc.PersonaClickError as error:
        show_status(friendly(error), "error")
        return False
    return True


async def change_membership(action, verb):
    segment_id = field("segment-id")
    segment_id = int(segment_id) if segment_id.isdigit() else segment_id
    email, phone = field("email") or None, field("phone") or None
    set_busy(True)
    try:
        await action(segment_id, email=email, phone=phone)
    except (pc.PersonaClickError, TypeError, ValueError) as error:
        show_status(friendly(error), "error")
        return
    finally:
        set_busy(False)
    # PersonaClick confirms nothing for add/remove: the list below is the evidence.
    if await refresh():
        show_status(f"Asked PersonaClick to {verb} segment {segment_id}.", "done")


@when("click", "#refresh")
async def on_refresh(event):
    if await refresh():
        show_status("Segments refreshed.", "done")


@when("click", "#join")
async def on_join(event):
    await change_membership(bridge.segment_add, "add you to")


@when("click", "#leave")
async def on_leave(event):
    await change_membership(bridge.segment_remove, "remove you from")


await load_catalogue()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
if await refresh():  # noqa: F704, PLE1142
    show_status("Ready.", "done")
set_busy(False)
