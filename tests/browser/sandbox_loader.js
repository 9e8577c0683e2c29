// The loader snippet's stub and init for the sandbox's shop, under ?global= (REES46's r46, say)
// or personaclick; the SDK script itself arrives when a test calls loadSdk().
(() => {
  const name = new URLSearchParams(location.search).get("global") ?? "personaclick";
  window[name] = window[name] || function () {
    (window[name].q = window[name].q || []).push(arguments);
  };
  window[name]("init", "demo-shop");
  window.loadSdk = () => new Promise((resolve, reject) => {
    const sdk = document.createElement("script");
    sdk.src = "/v3.js";
    sdk.onload = resolve;
    sdk.onerror = reject;
    document.head.appendChild(sdk);
  });
})();
