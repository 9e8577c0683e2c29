// Every hook of PyScript's hooks.main and hooks.worker says where it ran (the thread, the
// interpreter, py or mpy) and its own name, as PyScript's own hooks spec has them log. Importing
// the page's core.js starts PyScript, as that spec's page does.
import { hooks } from "/vendor/pyscript/core.js";

const { main, worker } = hooks;
const RUN_HOOKS = ["onBeforeRun", "onBeforeRunAsync", "onAfterRun", "onAfterRunAsync"];
for (const name of ["onReady", ...RUN_HOOKS]) {
  main[name].add((wrap) => console.log("main", wrap.type, name));
}
main.onWorker.add(() => console.log("main", "onWorker"));
// A worker's JS hooks travel to it as source, so each is whole: no closures.
worker.onReady.add((wrap) => console.log("worker", wrap.type, "onReady"));
worker.onBeforeRun.add((wrap) => console.log("worker", wrap.type, "onBeforeRun"));
worker.onBeforeRunAsync.add((wrap) => console.log("worker", wrap.type, "onBeforeRunAsync"));
worker.onAfterRun.add((wrap) => console.log("worker", wrap.type, "onAfterRun"));
worker.onAfterRunAsync.add((wrap) => console.log("worker", wrap.type, "onAfterRunAsync"));
const said = (thread, name) =>
  [
    "import sys as _hook",
    `print("${thread}", "mpy" if _hook.implementation.name == "micropython" else "py", "${name}")`,
    "del _hook",
  ].join("\n");
for (const name of ["codeBeforeRun", "codeBeforeRunAsync", "codeAfterRun", "codeAfterRunAsync"]) {
  main[name].add(said("main", name));
  worker[name].add(said("worker", name));
}
addEventListener("py:all-done", () => {
  window.allDone = true;
});
