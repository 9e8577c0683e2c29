// Installed in every document a WebKit page loads (its driver reports no console messages):
// records console.error calls, uncaught errors, unhandled rejections and resource requests.
(() => {
  if (window.pageWatch) return;
  const watch = (window.pageWatch = { errors: [], requests: [location.href] });
  const consoleError = console.error;
  console.error = function (...parts) {
    watch.errors.push(parts.map(String).join(" "));
    return consoleError.apply(this, parts);
  };
  addEventListener("error", (event) => {
    if (event instanceof ErrorEvent) watch.errors.push(`uncaught: ${event.message}`);
  });
  addEventListener("unhandledrejection", (event) => {
    watch.errors.push(`unhandled rejection: ${event.reason}`);
  });
  // buffered: the requests made before the watcher arrived are reported too.
  new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) watch.requests.push(entry.name);
  }).observe({ type: "resource", buffered: true });
})();
