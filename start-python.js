// Starts a page's Python script on the interpreter and thread that the query string picks:
// ?type=mpy runs MicroPython instead of Pyodide, ?worker runs it in a worker (the page must then
// be cross-origin isolated). configs maps "py" and "mpy" to a config file's URL or a config object.
// A classic script, called from a classic script: PyScript's core.js (a module) runs later and
// finds the Python script already in the page.
window.startPython = ({ src, configs }) => {
  const query = new URLSearchParams(location.search);
  const script = document.createElement("script");
  script.type = query.get("type") === "mpy" ? "mpy" : "py";
  if (query.has("worker")) script.setAttribute("worker", "");
  const config = configs[script.type];
  script.setAttribute("config", typeof config === "string" ? config : JSON.stringify(config));
  script.setAttribute("src", src);
  document.body.append(script);
};
