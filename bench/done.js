// window.doneAt: ms from navigation until the page marks #results done, the moment its first
// result is on screen (bench/boot.py times boots by it on every engine). Load it after #results.
new MutationObserver((_, observer) => {
  if (!document.getElementById("results").hasAttribute("data-done")) return;
  window.doneAt = performance.now();
  observer.disconnect();
}).observe(document.getElementById("results"), { attributes: true });
