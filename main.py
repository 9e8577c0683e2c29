"""The demo storefront's widgets: prices, a banner and a newsletter that depend on segments.

Thin page wiring over personaclick_bridge. The products are in the page itself; members of the
VIP segment also see a banner and their member prices. The newsletter form joins the newsletter
segment; "Your segments" lists the visitor's segments, lets them leave the static ones and join
those the catalogue offers. Every call shows that it is under way, a change counts as done only
once segment_get shows it (and waits for the next one that answers when that get failed), and
mistakes are explained next to the field they concern, without echoing what was typed. An error
line clears once what it reported works again. Developer detail goes to the console, never an
email address or a phone number.
"""

from pyscript import document, fetch, when, window

import personaclick_bridge as pc

SHOP_ID = "demo-shop"
# The sandbox's segment catalogue (names and types): PersonaClick's public API has none.
CATALOGUE_PATH = "/_sandbox/catalogue"
NEWSLETTER_ID = 100500
VIP_ID = 313
# What the shopper reads when the bridge refuses an argument, by the argument's name.
FIELD_HINTS = {
    "segment_id": "Please enter a segment number, like 100500.",
    "email": "Please enter an email address like name@example.com.",
    "phone": "Please enter a phone number with its country code, like +44 20 7946 0958.",
}
NO_SUCH_SEGMENT = "This shop has no segment with that number."
SUBSCRIBED = "Thanks! You are subscribed to our newsletter."
NO_SEGMENTS_FOR_NOW = "The shop works, but without your segments for now."
READY = "Ready."
NEWSLETTER_FIELDS = {"email": "newsletter-email", "phone": "newsletter-phone"}
JOIN_FIELDS = {"segment_id": "segment-id"}

# A widget should give up sooner than the bridge's 10 s: 5 s, or ?timeout=SECONDS (an outage's
# tests wait less).
bridge = pc.PersonaClick(
    timeout=float(window.URLSearchParams.new(window.location.search).get("timeout") or 5)
)
catalogue = {}  # segment id -> {"name": ..., "type": ...}, from the sandbox
# Error lines that report a failed segment_get -> what each says once one answers again.
outages = {}
# Status lines whose change was queued but not confirmed (the segment_get after it failed).
unconfirmed = {}


class Change:
    """A join or leave as the shopper asked for it, with what to tell them about it."""

    def __init__(self, joining, segment_id, done, subject):
        self.joining = joining
        self.segment_id = segment_id
        self.done = done  # once segment_get shows it
        self.subject = subject  # "We could not confirm {subject} yet"
        self.call = "segment_add" if joining else "segment_remove"


def to_join(segment_id):
    name = name_of(segment_id)
    return Change(True, segment_id, f"Done: you are now in {name}.", f"that you joined {name}")


def to_leave(segment_id):
    name = name_of(segment_id)
    return Change(False, segment_id, f"Done: you have left {name}.", f"that you left {name}")


def element(element_id):
    return document.getElementById(element_id)


def each(selector):
    found = document.querySelectorAll(selector)
    return [found.item(index) for index in range(found.length)]


def say(status_id, text, kind=""):
    """Show one plain sentence in a status line (kind: working, done or error)."""
    outages.pop(status_id, None)  # whatever the line said before no longer stands
    status = element(status_id)
    # The kind first: from a worker each is a message of its own, and the text is what is read.
    status.className = kind
    status.textContent = text


def say_outage(status_id, text, once_it_works=""):
    """An error line about a failed segment_get: the next segment_get that answers clears it."""
    say(status_id, text, "error")
    outages[status_id] = once_it_works


def clear_outages():
    for status_id, text in list(outages.items()):
        say(status_id, text, "done" if text else "")


def log(text):
    """Developer detail for the console; callers never pass an email address or a phone."""
    window.console.warn(f"demo store: {text}")


def value(input_id):
    return element(input_id).value.strip()


def is_number(text):
    return text != "" and all(character in "0123456789" for character in text)


def segment_from(text):
    """A segment id stored as text: digits are a number, like PersonaClick's ids."""
    return int(text) if is_number(text) else text


def name_of(segment_id):
    entry = catalogue.get(segment_id)
    return entry["name"] if entry else f"segment {segment_id}"


def friendly(error):
    """One sentence for a shopper, for every error the bridge raises."""
    if isinstance(error, pc.SDKNotLoadedError):
        return "Segments are unavailable right now: the PersonaClick script did not load."
    if isinstance(error, pc.SDKTimeoutError):
        return "PersonaClick did not answer in time. Please try again in a moment."
    return "PersonaClick could not handle that request. Please try again later."


def set_busy(busy):
    """Disable every button while a call is under way, so nothing runs twice."""
    for control in each("button"):
        control.disabled = busy


def mark_field(input_id, message):
    """Flag an input as invalid with its message, or clear it when message is empty."""
    field = element(input_id)
    element(field.getAttribute("aria-describedby")).textContent = message
    if message:
        field.setAttribute("aria-invalid", "true")
    else:
        field.removeAttribute("aria-invalid")


def refuse(input_id, message, why):
    """Explain a mistake next to its field and go there; the console says why, not what."""
    log(f"refused before sending: {why}")
    mark_field(input_id, message)
    element(input_id).focus()


def show_invalid(error, fields):
    """Put a bridge TypeError/ValueError next to the field of the argument it names."""
    argument = getattr(error, "argument", None)  # the bridge names it; its wording may change
    input_id = fields.get(argument)
    if input_id is None:
        log(f"refused before sending: the {argument} argument ({type(error).__name__})")
        return "Please check the form."
    refuse(input_id, FIELD_HINTS[argument], f"the {argument} argument ({type(error).__name__})")
    return ""


def typed_segment():
    """The segment number typed, or None once its field says why it is none."""
    text = value("segment-id")
    mark_field("segment-id", "")
    if not is_number(text):
        refuse("segment-id", FIELD_HINTS["segment_id"], "the typed segment is not a number")
    elif catalogue and int(text) not in catalogue:
        refuse("segment-id", NO_SUCH_SEGMENT, "the typed number is not in the catalogue")
    else:
        return int(text)
    return None


def text_span(text):
    """Text as a text node, never parsed as HTML."""
    span = document.createElement("span")
    span.textContent = text
    return span


def button(text, segment_id, css_class=""):
    item = document.createElement("button")
    item.type = "button"
    item.className = css_class
    item.textContent = text
    # "Join Newsletter", not one of several bare "Join"s, for a screen reader.
    item.setAttribute("aria-label", f"{text} {name_of(segment_id)}")
    item.setAttribute("data-segment", str(segment_id))
    return item


def render(segments):
    """Personalise the page for the visitor's segments (a list of {"id", "type"})."""
    ids = [segment["id"] for segment in segments]
    element("vip-banner").hidden = VIP_ID not in ids
    render_prices(VIP_ID in ids)
    element("newsletter-member").hidden = NEWSLETTER_ID not in ids
    element("newsletter").hidden = NEWSLETTER_ID in ids
    render_segments(segments)
    render_joinable(ids)


def render_prices(vip):
    """VIP members see their member price (already in the page) and the regular one struck."""
    for price in each("#products .member-price"):
        price.hidden = not vip
    for price in each("#products .regular-price"):
        price.classList.toggle("struck", vip)


def render_segments(segments):
    """The visitor's segments by name (as text, never HTML), each static one with Leave."""
    listing = element("segments")
    listing.replaceChildren()
    if not segments:
        item = document.createElement("li")
        item.append(text_span("You are in no segment yet."))
        listing.append(item)
    for segment in segments:
        item = document.createElement("li")
        item.append(text_span(name_of(segment["id"])))
        if segment["type"] == "static":
            item.append(button("Leave", segment["id"], "secondary"))
        listing.append(item)


def render_joinable(ids):
    """Offer the catalogue's static segments the visitor is not in; computed ones never."""
    listing = element("joinable")
    listing.replaceChildren()
    for segment_id, entry in catalogue.items():
        if entry["type"] != "static" or segment_id in ids:
            continue
        item = document.createElement("li")
        item.append(text_span(entry["name"]))
        item.append(button("Join", segment_id))
        listing.append(item)
    element("joinable-offers").hidden = listing.childElementCount == 0


async def load_catalogue():
    """Segment names and types from the local sandbox; the real PersonaClick has no catalogue."""
    if "sdk=cdn" in window.location.search:
        return
    # Absolute: in a worker a relative URL would resolve against the worker's script.
    url = f"{window.location.origin}{CATALOGUE_PATH}?shop_id={SHOP_ID}"
    try:
        response = await fetch(url)
    except Exception as error:  # noqa: BLE001 - the shop works without names: say why, go on
        log(f"the catalogue could not be fetched ({error}): segments are shown by number")
        return
    if not response.ok:
        log(f"the catalogue answered HTTP {response.status}: segments are shown by number")
        return
    for entry in await response.json():
        catalogue[entry["id"]] = {"name": entry["name"], "type": entry["type"]}


async def load_segments(status_id):
    """Ask PersonaClick for the visitor's segments and personalise the page with them."""
    say(status_id, "Checking your segments…", "working")
    segments = await bridge.segment_get()
    render(segments)
    clear_outages()
    return [segment["id"] for segment in segments]


def not_taken_effect(change):
    """Why a change that segment_get does not show did not take effect, for the shopper."""
    entry = catalogue.get(change.segment_id)
    name = name_of(change.segment_id)
    if change.joining and entry and entry["type"] != "static":
        reason = f"{name} is worked out by the shop, so it cannot be joined."
    elif change.joining:
        reason = f"PersonaClick did not add you to {name}."
    else:
        reason = f"you are still in {name}."
    return f"That did not take effect: {reason}"


def not_confirmed(change):
    return (
        f"We could not confirm {change.subject} yet: "
        "we will check again when your segments are refreshed."
    )


def settled(change, ids):
    """What to tell the shopper once the visitor's segments show the change, or do not."""
    if (change.segment_id in ids) == change.joining:
        return change.done, "done"
    log(f"{change.call}({change.segment_id}) was queued, but segment_get does not show it")
    return not_taken_effect(change), "error"


def settle_unconfirmed(ids):
    """A segment_get answered: it settles the changes that an earlier failed one left open."""
    for status_id, change in list(unconfirmed.items()):
        say(status_id, *settled(change, ids))
    unconfirmed.clear()


async def outcome_of(change, status_id, fields, contact):
    """Queue the change, then check it: what its status line says about it, and how."""
    try:
        await getattr(bridge, change.call)(change.segment_id, **contact)
    except (TypeError, ValueError) as error:
        return show_invalid(error, fields), "error"
    except pc.PersonaClickError as error:
        log(f"{change.call}({change.segment_id}) failed: {error!r}")
        return friendly(error), "error"
    try:
        # PersonaClick confirms no add/remove: the visitor's segments are the evidence.
        ids = await load_segments(status_id)
    except pc.PersonaClickError as error:
        log(f"{change.call}({change.segment_id}) was queued, but the segment_get after it failed")
        log(f"segment_get failed: {error!r}")
        unconfirmed[status_id] = change
        return not_confirmed(change), "working"
    settle_unconfirmed(ids)
    return settled(change, ids)


async def change_membership(change, status_id, fields, **contact):
    """Join or leave a segment, saying done only once segment_get shows the change."""
    unconfirmed.pop(status_id, None)  # this line's new change replaces the one it waited for
    for input_id in fields.values():
        mark_field(input_id, "")
    set_busy(True)
    try:
        verb = "Joining" if change.joining else "Leaving"
        say(status_id, f"{verb} {name_of(change.segment_id)}…", "working")
        text, kind = await outcome_of(change, status_id, fields, contact)
    finally:
        set_busy(False)
    # Only once the buttons work again: a shopper may press Enter the moment it shows.
    say(status_id, text, kind)
    if text:  # else the field at fault has the focus and the message
        element(status_id).focus()  # the button pressed may be gone: focus goes to the outcome


@when("submit", "#newsletter")
async def on_subscribe(event):
    email, phone = value("newsletter-email"), value("newsletter-phone") or None
    for input_id in NEWSLETTER_FIELDS.values():
        mark_field(input_id, "")
    if not email:
        mark_field("newsletter-email", "Please enter your email address.")
        element("newsletter-email").focus()
        return
    change = Change(True, NEWSLETTER_ID, SUBSCRIBED, "your subscription")
    await change_membership(
        change, "newsletter-status", NEWSLETTER_FIELDS, email=email, phone=phone
    )


@when("submit", "#join")
async def on_join_by_number(event):
    segment_id = typed_segment()
    if segment_id is not None:
        await change_membership(to_join(segment_id), "profile-status", JOIN_FIELDS)


@when("click", "#joinable")
async def on_join_offered(event):
    text = event.target.getAttribute("data-segment")
    if text:
        await change_membership(to_join(segment_from(text)), "profile-status", {})


@when("click", "#segments")
async def on_leave(event):
    text = event.target.getAttribute("data-segment")
    if text:
        await change_membership(to_leave(segment_from(text)), "profile-status", {})


@when("click", "#refresh")
async def on_refresh(event):
    set_busy(True)
    try:
        ids = await load_segments("profile-status")
    except pc.PersonaClickError as error:
        log(f"segment_get failed: {error!r}")
        say_outage("profile-status", friendly(error))
        return
    finally:
        set_busy(False)
    say("profile-status", "Segments refreshed.", "done")
    settle_unconfirmed(ids)


async def start():
    """Personalise the shop (already on screen) with the visitor's segments."""
    await load_catalogue()
    try:
        await load_segments("profile-status")
    except pc.PersonaClickError as error:
        log(f"segment_get failed: {error!r}")
        set_busy(False)
        say_outage("profile-status", friendly(error))
        say_outage("status", NO_SEGMENTS_FOR_NOW, READY)
        return
    set_busy(False)  # before "Ready.": a shopper may press Enter the moment it shows
    say("profile-status", "")
    say("status", READY, "done")


await start()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
