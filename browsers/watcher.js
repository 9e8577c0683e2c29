// First in every page the harness's sandbox serves (watched_pages.py), and run again in each
// document a WebKit page loads, where its driver reports no console messages: records the
// page's console lines (every level), its errors (console.error, uncaught errors, unhandled
// rejections) and its resource requests, and the errors of each worker the page starts from a
// blob (as PyScript does) once the watcher is in.
(() => {
  if (window.pageWatch) return;
  const watch = (window.pageWatch = { console: [], errors: [], requests: [location.href] });
  const record = (line, isError) => {
    watch.console.push(line);
    if (isError) watch.errors.push(line);
  };
  // Also run first in each worker, where it reports errors alone over a BroadcastChannel.
  const watchConsole = (scope, report, levels) => {
    for (const level of levels) {
      const write = scope.console[level];
      scope.console[level] = function (...parts) {
        report(parts.map(String).join(" "), level === "error");
        return write.apply(this, parts);
      };
    }
    scope.addEventListener("error", (event) => {
      if (event instanceof ErrorEvent) report(`uncaught: ${event.message}`, true);
    });
    scope.addEventListener("unhandledrejection", (event) => {
      report(`unhandled rejection: ${event.reason}`, true);
    });
  };
  watchConsole(window, record, ["debug", "info", "log", "warn", "error"]);
  // buffered: the requests made before the watcher arrived are reported too.
  new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) watch.requests.push(entry.name);
  }).observe({ type: "resource", buffered: true });

  const workers = new BroadcastChannel(`pageWatch.${Math.random().toString(36).slice(2)}`);
  workers.onmessage = ({ data: [line, isError] }) => record(`worker: ${line}`, isError);
  const watchWorker = `{
    const channel = new BroadcastChannel(${JSON.stringify(workers.name)});
    (${watchConsole})(self, (line, isError) => channel.postMessage([line, isError]), ["error"]);
  }\n`;
  // A blob worker's script starts with the watcher: the page keeps each blob it made a URL for.
  const blobs = new Map();
  const { createObjectURL, revokeObjectURL } = URL;
  URL.createObjectURL = (object) => {
    const url = createObjectURL(object);
    if (object instanceof Blob) blobs.set(url, object);
    return url;
  };
  URL.revokeObjectURL = (url) => {
    blobs.delete(url);
    revokeObjectURL(url);
  };
  const PageWorker = window.Worker;
  window.Worker = class Worker extends PageWorker {
    constructor(url, options) {
      const blob = blobs.get(String(url));
      if (blob === undefined) {
        super(url, options); // a worker from a URL resolves its imports against that URL
        return;
      }
      const watched = new Blob([watchWorker, blob], { type: "text/javascript" });
      super(createObjectURL(watched), options);
    }
  };
})();
