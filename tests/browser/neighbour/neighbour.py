"""What each script of neighbour.html reports: where it ran, and whether personaclick_bridge
imports there (only the tag makes it so). Given to every interpreter by its config's [files].
"""

import json
import sys


def bridge_importable():
    try:
        import personaclick_bridge  # noqa: F401
    except ImportError:
        return False
    return True


def facts(script, **more):
    """The script's name, its interpreter and whether the bridge imports, with more."""
    found = {"script": script, "implementation": sys.implementation.name}
    found.update(more)
    found["bridge"] = bridge_importable()
    return found


def report(script, **more):
    """Add the script's facts to the page's #results, one item each."""
    from pyscript import document

    item = document.createElement("li")
    item.textContent = json.dumps(facts(script, **more))
    document.getElementById("results").append(item)
