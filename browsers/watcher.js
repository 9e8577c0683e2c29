// First in every page the harness's sandbox serves (watched_pages.py), and run again in each
// document a WebKit page loads, where its driver reports no console messages: records the
// page's console lines (every level), its errors (console.error, uncaught errors, unhandled
// rejections) and its resource requests.
(() => {
  if (window.pageWatch) return;
  const watch = (window.pageWatch = { console: [], errors: [], requests: [location.href] });
  for (const level of ["debug", "info", "log", "warn", "error"]) {
    const write = console[level];
    console[level] = function (...parts) {
      const line = parts.map(String).join(" ");
      watch.console.push(line);
      if (level === "error") watch.errors.push(line);
      return write.apply(this, parts);
    };
  }
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
