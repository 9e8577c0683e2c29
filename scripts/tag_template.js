// personaclick_bridge.js __VERSION__, built by scripts/build_tag.py from personaclick_bridge.py
// and scripts/tag_template.js: edit those, then `make personaclick_bridge.js`; never this file.
//
// Placed once in the page's HTML after PersonaClick's loader snippet,
//   <script type="module" src=".../personaclick_bridge.js"></script>
// it lets every PyScript interpreter on the page (Pyodide or MicroPython, main thread or worker)
// `import personaclick_bridge` with no config, and asks for the visitor's segments at once: the
// first segment_get calls share that call instead of starting one after Python's boot.
// data-prefetch="off" turns the early call off; data-global="r46" names another SDK global.
const SOURCE = __SOURCE__;
// The module's _EDGE_JS, read from its source rather than carried twice.
const EDGE_JS = SOURCE.slice(__EDGE_START__, __EDGE_END__);
const EDGE_PARAMETERS = __EDGE_PARAMETERS__;
const EDGE_SETTINGS = __EDGE_SETTINGS__;

// Runs in every interpreter before each script: a copy the page ships itself, through [files]
// or a wheel, wins; otherwise the module is written where `import` finds it.
const INSTALL = `
def _personaclick_bridge_install(source):
    import sys

    for folder in sys.path:
        for name in ("/personaclick_bridge.py", "/personaclick_bridge/__init__.py"):
            try:
                open((folder or ".") + name).close()
                return
            except OSError:
                pass
    with open("personaclick_bridge.py", "w") as file:
        file.write(source)


_personaclick_bridge_install(${JSON.stringify(SOURCE)})
del _personaclick_bridge_install
`;

// Runs in each worker after INSTALL: the worker's channel to the page opens while its script
// loads, so that its first call does not wait for the channel's hello. It gives way when it
// cannot (no window in a worker of a page without cross-origin isolation, or an older copy the
// page ships itself): the worker's script then runs as without the tag, and its first call, if
// any, says what is wrong.
const OPEN_CHANNEL = `
def _personaclick_bridge_open_channel():
    try:
        import personaclick_bridge

        personaclick_bridge._worker_channel()
    except Exception:
        pass


_personaclick_bridge_open_channel()
del _personaclick_bridge_open_channel
`;

const tag = [...document.querySelectorAll("script[type=module][src]")].find(
  (script) => script.src === import.meta.url,
);
// PyScript reads its hooks as it handles each script: added by script or async, this tag may
// run after it did, and those scripts cannot import the module.
if (tag?.async || document.readyState === "complete") {
  console.error(
    "personaclick_bridge.js ran after PyScript may have started (the tag was added by script, " +
      "or is async), so Python may not find personaclick_bridge: put " +
      '<script type="module" src=".../personaclick_bridge.js"></script> in the page\'s HTML, ' +
      "after PersonaClick's loader snippet, without async.",
  );
}

if (tag?.dataset.prefetch !== "off") {
  const globalName = tag?.dataset.global || "personaclick";
  const edge = new Function(...EDGE_PARAMETERS, EDGE_JS)(...EDGE_SETTINGS);
  if (!edge.prefetch(globalName)) {
    console.warn(
      `personaclick_bridge.js: window.${globalName} is not a function, so the visitor's ` +
        "segments were not asked for early: put the tag after PersonaClick's loader snippet.",
    );
  }
}

// PyScript's exports appear as its core.js runs, once it has read its config: the page's own,
// never a second copy. With the tag before core.js they are not there yet, so look again after
// each task (WebKit never settles an import() of core.js made while the page's own is pending,
// and fires core.js's load event before its exports appear).
const PYSCRIPT_WAIT_MS = 30_000;
const addHooks = ({ hooks }) => {
  for (const thread of [hooks.main, hooks.worker]) {
    thread.codeBeforeRun.add(INSTALL);
    thread.codeBeforeRunAsync.add(INSTALL);
  }
  hooks.worker.codeBeforeRun.add(OPEN_CHANNEL);
  hooks.worker.codeBeforeRunAsync.add(OPEN_CHANNEL);
};
const whenPyScriptRuns = (deadline) => {
  const pyscript = globalThis[Symbol.for("@pyscript/core")];
  if (pyscript) {
    addHooks(pyscript);
  } else if (performance.now() < deadline) {
    setTimeout(whenPyScriptRuns, 0, deadline);
  } else {
    console.error(
      "personaclick_bridge.js found no PyScript on the page: add PyScript's core.js as " +
        '<script type="module" src=".../core.js"></script>.',
    );
  }
};
whenPyScriptRuns(performance.now() + PYSCRIPT_WAIT_MS);
