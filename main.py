"""The demo storefront's widgets: prices, a banner and a newsletter that depend on segments.

Thin page wiring over personaclick_bridge. Members of the VIP segment see a banner and their
member prices; the newsletter form joins the newsletter segment; "Your segments" lists the
visitor's segments, lets them leave the static ones and join those the catalogue offers.
Every call shows that it is under way, a change counts as done only once segment_get shows it,
and mistakes are explained next to the field they concern. Developer detail goes to the console,
never an email address or a phone number.
"""

from pyscript import document, fetch, when, window

import personaclick_bridge as pc

SHOP_ID = "demo-shop"
# The sandbox's segment catalogue (names and types): PersonaClick's public API has none.
CATALOGUE_PATH = "/_sandbox/catalogue"
NEWSLETTER_ID = 100500
VIP_ID = 313
# (name, description, price in cents, VIP member price in cents)
PRODUCTS = [
    ("Canvas tote", "Sturdy cotton, inside pocket.", 2400, 1900),
    ("Enamel mug", "Holds 350 ml, dishwasher safe.", 1400, 1100),
    ("Wool scarf", "Merino, 180 cm long.", 4800, 3800),
    ("Notebook set", "Three A5 notebooks, dotted.", 1800, 1450),
]
# What the shopper reads when the bridge refuses an argument, by the argument's name.
FIELD_HINTS = {
    "segment_id": "Please enter a segment number, like 100500.",
    "email": "Please enter an email address like name@example.com.",
    "phone": "Please enter a phone number with its country code, like +44 20 7946 0958.",
}
NEWSLETTER_FIELDS = {"email": "newsletter-email", "phone": "newsletter-phone"}
JOIN_FIELDS = {"segment_id": "segment-id"}

bridge = pc.PersonaClick(timeout=5)  # a widget should give up sooner than the 10 s default
catalogue = {}  # segment id -> {"name": ..., "type": ...}, from the sandbox


def element(element_id):
    return document.getElementById(element_id)


def say(status_id, text, kind=""):
    """Show one plain sentence in a status line (kind: working, done or error)."""
    status = element(status_id)
    status.textContent = text
    status.className = kind


def log(text):
    """Developer detail for the console; callers never pass an email address or a phone."""
    window.console.warn(f"demo store: {text}")


def value(input_id):
    return element(input_id).value.strip()


def segment_from(text):
    """A segment id typed or stored as text: digits are a number, like PersonaClick's ids."""
    return int(text) if text.isdigit() else text


def name_of(segment_id):
    entry = catalogue.get(segment_id)
    return entry["name"] if entry else f"segment {segment_id}"


def shown(segment_id):
    """A segment id for the console: typed text could be anything, an email address included."""
    return repr(segment_id) if segment_id in catalogue or isinstance(segment_id, int) else "…"


def friendly(error):
    """One sentence for a shopper, for every error the bridge raises."""
    if isinstance(error, pc.SDKNotLoadedError):
        return "Segments are unavailable right now: the PersonaClick script did not load."
    if isinstance(error, pc.SDKTimeoutError):
        return "PersonaClick did not answer in time. Please try again in a moment."
    return "PersonaClick could not handle that request. Please try again later."


def set_busy(busy):
    """Disable every button while a call is under way, so nothing runs twice."""
    buttons = document.querySelectorAll("button")
    for index in range(buttons.length):
        buttons.item(index).disabled = busy


def mark_field(input_id, message):
    """Flag an input as invalid with its message, or clear it when message is empty."""
    field = element(input_id)
    element(field.getAttribute("aria-describedby")).textContent = message
    if message:
        field.setAttribute("aria-invalid", "true")
    else:
        field.removeAttribute("aria-invalid")


def show_invalid(error, fields):
    """Put a bridge TypeError/ValueError next to the field of the argument it names."""
    argument = str(error).split(" ")[0]  # the bridge's messages start with the argument's name
    log(f"refused before sending: the {argument} argument ({type(error).__name__})")
    input_id = fields.get(argument)
    if input_id is None:
        return "Please check the form."
    mark_field(input_id, FIELD_HINTS[argument])
    element(input_id).focus()
    return ""


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
    item.setAttribute("data-segment", str(segment_id))
    return item


def render(segments):
    """Personalise the page for the visitor's segments (a list of {"id", "type"})."""
    ids = [segment["id"] for segment in segments]
    element("vip-banner").hidden = VIP_ID not in ids
    render_products(VIP_ID in ids)
    element("newsletter-member").hidden = NEWSLETTER_ID not in ids
    element("newsletter").hidden = NEWSLETTER_ID in ids
    render_segments(segments)
    render_joinable(ids)


def money(cents):
    return f"€{cents // 100}.{cents % 100:02d}"


def render_products(vip):
    """Product cards; VIP members also see their member price."""
    listing = element("products")
    listing.replaceChildren()
    for name, description, price, vip_price in PRODUCTS:
        card = document.createElement("li")
        card.className = "product"
        for tag, text, css_class in (
            ("h3", name, ""),
            ("p", description, ""),
            ("p", money(price), "regular-price struck" if vip else "regular-price"),
        ):
            part = document.createElement(tag)
            part.className = css_class
            part.textContent = text
            card.append(part)
        if vip:
            member = document.createElement("p")
            member.className = "member-price"
            member.textContent = f"Your VIP price: {money(vip_price)}"
            card.append(member)
        listing.append(card)


def render_segments(segments):
    """The visitor's segments as text (never HTML), each static one with a Leave button."""
    listing = element("segments")
    listing.replaceChildren()
    if not segments:
        item = document.createElement("li")
        item.append(text_span("You are in no segment yet."))
        listing.append(item)
    for segment in segments:
        item = document.createElement("li")
        item.append(text_span(f"{name_of(segment['id'])} (#{segment['id']}, {segment['type']})"))
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
    return [segment["id"] for segment in segments]


def not_taken_effect(joining, segment_id):
    """Why a change that segment_get does not show did not take effect, for the shopper."""
    entry = catalogue.get(segment_id)
    if joining and entry and entry["type"] != "static":
        reason = f"{entry['name']} is worked out by the shop, so it cannot be joined."
    elif joining and catalogue and entry is None:
        reason = f"this shop has no segment {segment_id}."
    elif joining:
        reason = f"PersonaClick did not add you to {name_of(segment_id)}."
    else:
        reason = f"you are still in {name_of(segment_id)}."
    return f"That did not take effect: {reason}"


async def change_membership(joining, segment_id, status_id, fields, *, email=None, phone=None):
    """Join or leave a segment; True only once segment_get shows the change."""
    call = "segment_add" if joining else "segment_remove"
    for input_id in fields.values():
        mark_field(input_id, "")
    set_busy(True)
    try:
        say(status_id, f"{'Joining' if joining else 'Leaving'} {name_of(segment_id)}…", "working")
        await getattr(bridge, call)(segment_id, email=email, phone=phone)
        # PersonaClick confirms nothing for add/remove: the visitor's segments are the evidence.
        ids = await load_segments(status_id)
    except (TypeError, ValueError) as error:
        say(status_id, show_invalid(error, fields), "error")
        return False
    except pc.PersonaClickError as error:
        log(f"{call}({shown(segment_id)}) or the segment_get after it failed: {error!r}")
        say(status_id, friendly(error), "error")
        return False
    finally:
        set_busy(False)
    if (segment_id in ids) != joining:
        log(f"{call}({shown(segment_id)}) was queued, but segment_get does not show the change")
        say(status_id, not_taken_effect(joining, segment_id), "error")
        return False
    return True


@when("submit", "#newsletter")
async def on_subscribe(event):
    email, phone = value("newsletter-email"), value("newsletter-phone") or None
    for input_id in NEWSLETTER_FIELDS.values():
        mark_field(input_id, "")
    if not email:
        mark_field("newsletter-email", "Please enter your email address.")
        element("newsletter-email").focus()
        return
    if await change_membership(
        True, NEWSLETTER_ID, "newsletter-status", NEWSLETTER_FIELDS, email=email, phone=phone
    ):
        say("newsletter-status", "Thanks! You are subscribed to our newsletter.", "done")


@when("submit", "#join")
async def on_join_by_number(event):
    segment_id = segment_from(value("segment-id"))
    if await change_membership(True, segment_id, "profile-status", JOIN_FIELDS):
        say("profile-status", f"Done: you are now in {name_of(segment_id)}.", "done")


@when("click", "#joinable")
async def on_join_offered(event):
    text = event.target.getAttribute("data-segment")
    if not text:
        return
    segment_id = segment_from(text)
    if await change_membership(True, segment_id, "profile-status", {}):
        say("profile-status", f"Done: you are now in {name_of(segment_id)}.", "done")


@when("click", "#segments")
async def on_leave(event):
    text = event.target.getAttribute("data-segment")
    if not text:
        return
    segment_id = segment_from(text)
    if await change_membership(False, segment_id, "profile-status", {}):
        say("profile-status", f"Done: you have left {name_of(segment_id)}.", "done")


@when("click", "#refresh")
async def on_refresh(event):
    set_busy(True)
    try:
        await load_segments("profile-status")
    except pc.PersonaClickError as error:
        log(f"segment_get failed: {error!r}")
        say("profile-status", friendly(error), "error")
        return
    finally:
        set_busy(False)
    say("profile-status", "Segments refreshed.", "done")


async def start():
    """Show the shop, then personalise it with the visitor's segments."""
    render_products(False)
    await load_catalogue()
    try:
        await load_segments("profile-status")
    except pc.PersonaClickError as error:
        log(f"segment_get failed: {error!r}")
        set_busy(False)
        say("profile-status", friendly(error), "error")
        say("status", "The shop works, but without your segments for now.", "error")
        return
    set_busy(False)  # before "Ready.": a shopper may press Enter the moment it shows
    say("profile-status", "")
    say("status", "Ready.", "done")


await start()  # noqa: F704, PLE1142 - PyScript runs scripts with top-level await
