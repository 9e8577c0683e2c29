"""personaclick_bridge.js as a quiet neighbour: on a PyScript page of its own that uses PyScript
the way PyScript's own specs check it, and has no PersonaClick, the tag changes nothing the page
can observe but that personaclick_bridge imports (neighbour/neighbour.html).

The page holds both interpreters and both threads at once: MicroPython and Pyodide on the main
thread, each with a sync and an async script, and a named MicroPython worker, which Pyodide's
async script calls (PyScript's named workers). Every hook of hooks.main and hooks.worker logs
where it ran; both interpreters import the page's own JS module (js_modules); Pyodide installs a
package pinned to a version, and boots from the lock file PyScript froze for it once it has one.
"""

import json

PAGE = "tests/browser/neighbour/neighbour.html"
HOOKS = {
    "onReady",
    "onBeforeRun",
    "onBeforeRunAsync",
    "onAfterRun",
    "onAfterRunAsync",
    "codeBeforeRun",
    "codeBeforeRunAsync",
    "codeAfterRun",
    "codeAfterRunAsync",
    "onWorker",
}
SCRIPTS = 4  # results: each interpreter's two scripts on the main thread; workers' in theirs


def observed(page):
    """Once every script is done and every worker's lines have arrived: what the page logged,
    and what its scripts reported, each sorted by script."""
    page.wait_for("window.allDone")
    page.wait_for("settled()")
    results = sorted(
        (json.loads(text) for text in page.texts("#results li")), key=lambda r: r["script"]
    )
    return by_thread(page.evaluate("consoleLines")), results


def by_thread(lines):
    """Console lines by where they came from: each thread's interpreter (main py, worker mpy,
    ...) in its own order, which is PyScript's; lines from elsewhere, sorted, as interpreters
    booting side by side interleave them at random."""
    threads = {}
    for line in lines:
        words = line.split(": ", 1)[1].split()
        where = " ".join(words[:2]) if words[0] in ("main", "worker") else "elsewhere"
        threads.setdefault(where, []).append(line)
    threads["elsewhere"] = sorted(threads.get("elsewhere", []))
    return threads


def without_the_bridge(results):
    """The results with whether personaclick_bridge imports left out, in workers too."""
    left = []
    for result in results:
        kept = {key: value for key, value in result.items() if key != "bridge"}
        if "worker" in kept:
            [kept["worker"]] = without_the_bridge([kept["worker"]])
        left.append(kept)
    return left


def imports(results):
    """Whether personaclick_bridge imports, for each script and worker."""
    found = {}
    for result in results:
        found[result["script"]] = result["bridge"]
        if "worker" in result:
            found[result["worker"]["script"]] = result["worker"]["bridge"]
    return found


def test_the_tag_changes_nothing_but_the_import(page, sandbox):
    """The page with the tag logs the same lines, at the same levels and, within each thread's
    interpreter, in the same order, as without it, and its scripts report the same, but that
    personaclick_bridge imports in each interpreter and worker.

    The page without the tag loads first: PyScript installs the pinned package then, unless an
    earlier load did, and logs Pyodide's package loading lines; the page with the tag boots from
    the lock file PyScript froze, as a returning visitor's does, and logs none (the check
    PyScript's own pinned lockFileURL spec makes, which the tag once failed)."""
    page.goto(f"{sandbox.url}{PAGE}")
    lines, results = observed(page)
    page.goto(f"{sandbox.url}{PAGE}?tag")
    tagged_lines, tagged_results = observed(page)

    # The page does what PyScript's specs check: without the tag, these hold of it alone.
    hooks_seen = {line.split()[-1] for thread in lines.values() for line in thread}
    assert HOOKS <= hooks_seen, sorted(HOOKS - hooks_seen)
    assert {"main py", "main mpy", "worker mpy"} <= lines.keys(), lines.keys()
    assert len(results) == SCRIPTS, results
    modules = [result["module"] for result in results if "module" in result]
    assert modules == [[42, "hello from the page's own module"]] * 2
    packages = [result["package"] for result in results if "package" in result]
    assert packages == [["pyodide_http", "0.2.2"]]

    assert package_loading(tagged_lines) == []
    lines["elsewhere"] = [line for line in lines["elsewhere"] if line not in package_loading(lines)]
    assert tagged_lines == lines
    assert without_the_bridge(tagged_results) == without_the_bridge(results)
    assert set(imports(results).values()) == {False}
    assert set(imports(tagged_results).values()) == {True}
    assert len(imports(tagged_results)) == SCRIPTS + 1


def package_loading(lines):
    """Pyodide's lines as it installs packages (micropip, then the pinned one)."""
    return [
        line for line in lines["elsewhere"] if line.startswith(("log: Loading ", "log: Loaded "))
    ]
