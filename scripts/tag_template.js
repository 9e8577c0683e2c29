// personaclick_bridge.js __VERSION__, built by scripts/build_tag.py from personaclick_bridge.py
// and scripts/tag_template.js: edit those, then `make personaclick_bridge.js`; never this file.
//
// Placed once in the page's HTML after PersonaClick's loader snippet,
//   <script type="module" src=".../personaclick_bridge.js"></script>
// it lets every PyScript interpreter on the page (Pyodide or MicroPython, main thread or worker)
// `import personaclick_bridge` with no config, and asks for the visitor's segments at once: the
// first segment_get calls share that call instead of starting one after Python's boot. When
// PersonaClick's loader comes later (a consent manager's), the early call waits for it.
// data-prefetch="off" turns the early call off; data-global="r46" names another SDK global;
// data-debug logs what the tag did (console.info). Otherwise it logs nothing unless it is late.
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
// A page's console stays as it was; data-debug on the tag says what the tag did, on demand.
const debug =
  tag?.dataset.debug === undefined
    ? () => {}
    : (message) => console.info(`personaclick_bridge.js: ${message}`);
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

// How long the tag waits for a PersonaClick loader that comes after it: a consent manager adds
// it once the visitor agrees, usually within seconds of the page showing.
const LOADER_WAIT_MS = 30_000;

// The SDK global appears later, or never (a page without PersonaClick, a visitor who does not
// consent): an accessor on window catches the assignment that makes it, with no polling.
// `window.personaclick = window.personaclick || function …` (the loader snippet), `var
// personaclick = …` in a classic script and an SDK script's assignment all pass through its
// setter, which puts a plain property back and calls arrived. It stops waiting when the page
// is hidden or left, or LOADER_WAIT_MS after the tag ran, and leaves window as it found it.
const waitForGlobal = (globalName, arrived) => {
  const found = Object.getOwnPropertyDescriptor(window, globalName);
  // An accessor, or a property no assignment can change, is not the tag's to watch.
  if (found !== undefined && !(found.configurable && found.writable)) {
    debug(`window.${globalName} is not a function and cannot become one: no early call`);
    return;
  }
  const deadline = performance.now() + LOADER_WAIT_MS;
  let value = found?.value;
  let stopped = false;
  const get = () => value;
  const stop = (reason) => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onHidden);
    removeEventListener("pagehide", onPageHide);
    // Unless a script has redefined it since, a plain property again, or none as before.
    if (Object.getOwnPropertyDescriptor(window, globalName)?.get === get) {
      if (found === undefined && value === undefined) {
        delete window[globalName];
      } else {
        const enumerable = found?.enumerable ?? true;
        Object.defineProperty(window, globalName, {
          value,
          writable: true,
          enumerable,
          configurable: true,
        });
      }
    }
    if (reason !== null) debug(`stopped waiting for window.${globalName}: ${reason}`);
  };
  const set = (assigned) => {
    value = assigned;
    if (typeof assigned !== "function") return;
    if (performance.now() >= deadline) {
      stop(`it came more than ${LOADER_WAIT_MS / 1000} s after the tag ran`);
      return;
    }
    stop(null);
    // After the rest of the script that set it: its own calls (init) stay first in the queue.
    queueMicrotask(arrived);
  };
  const onHidden = () => {
    if (document.visibilityState === "hidden") stop("the page was hidden");
  };
  const onPageHide = () => stop("the page was left");
  const timer = setTimeout(stop, LOADER_WAIT_MS, `${LOADER_WAIT_MS / 1000} s passed`);
  Object.defineProperty(window, globalName, {
    get,
    set,
    enumerable: found?.enumerable ?? false,
    configurable: true,
  });
  document.addEventListener("visibilitychange", onHidden);
  addEventListener("pagehide", onPageHide);
  debug(
    `window.${globalName} is not a function yet: the early call waits for it, at most ` +
      `${LOADER_WAIT_MS / 1000} s and while the page is shown`,
  );
};

if (tag?.dataset.prefetch === "off") {
  debug('data-prefetch="off": no early call');
} else {
  const globalName = tag?.dataset.global || "personaclick";
  const edge = new Function(...EDGE_PARAMETERS, EDGE_JS)(...EDGE_SETTINGS);
  const asked = `asked window.${globalName} for the visitor's segments (the early call)`;
  if (edge.prefetch(globalName)) {
    debug(asked);
  } else {
    waitForGlobal(globalName, () => {
      if (edge.prefetch(globalName)) debug(`window.${globalName} arrived: ${asked}`);
    });
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
    debug("PyScript found: its interpreters and workers can import personaclick_bridge");
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
