// A stand-in for PersonaClick's web SDK (cdn.personaclick.com/v3.js), served by the sandbox at
// /v3.js: what the bridge relies on, as PersonaClick documents it. It replaces the loader stub of
// `personaclick`, or of `r46` (REES46, older installs), and runs its queue, init first; it serves
// init (options api_host, by default this script's origin, and cookieless), did, sid and the
// segment calls (add and remove POST, no callback; get's callback only on success). Any other
// call is ignored, with one warning per kind of call that names the call but none of its
// arguments, which may hold an email or a phone number.
(() => {
  "use strict";

  const GLOBAL_NAMES = ["personaclick", "r46"];
  const DEVICE_KEY = "personaclick_device_id";
  const SESSION_KEY = "personaclick_session_code";
  // Where this script came from: the API's default origin, and the scheme for api_host.
  const SCRIPT_URL = new URL(document.currentScript.src);
  const YEAR_SECONDS = 365 * 24 * 60 * 60;
  const SEGMENT_ACTIONS = ["add", "remove", "get"];
  // What a warning may quote of a call: a name, never a value that could be personal data.
  const CALL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

  const randomId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
      byte.toString(16).padStart(2, "0"),
    ).join("");

  const cookieStore = {
    read(key) {
      const prefix = `${key}=`;
      const found = document.cookie.split("; ").find((pair) => pair.startsWith(prefix));
      return found ? decodeURIComponent(found.slice(prefix.length)) : null;
    },
    write(key, value, maxAgeSeconds) {
      const lifetime = maxAgeSeconds ? `; max-age=${maxAgeSeconds}` : "";
      document.cookie = `${key}=${encodeURIComponent(value)}; path=/; SameSite=Lax${lifetime}`;
    },
  };

  const localStore = {
    read: (key) => localStorage.getItem(key),
    write: (key, value) => localStorage.setItem(key, value),
  };

  const remembered = (store, key, maxAgeSeconds) => {
    let value = store.read(key);
    if (!value) {
      value = randomId();
      store.write(key, value, maxAgeSeconds);
    }
    return value;
  };

  const implemented = ([method, action]) =>
    method === "init" ||
    method === "did" ||
    method === "sid" ||
    (method === "segment" && SEGMENT_ACTIONS.includes(action));

  // The call as a warning names it: its method, and a segment call's action too.
  const callKind = ([method, action]) => {
    const names = method === "segment" ? [method, action] : [method];
    const shown = names.map((name) =>
      typeof name === "string" && CALL_NAME.test(name) ? JSON.stringify(name) : "<not a name>",
    );
    return shown.join(", ");
  };

  // One SDK behind one global: its own settings, queue and warnings.
  const install = (globalName) => {
    let settings = null; // set by init
    const waitingForInit = []; // calls made after load but before init
    let requests = Promise.resolve(); // requests leave one at a time, in call order
    const warned = new Set(); // kinds of ignored call already warned about

    const ignore = (args) => {
      const kind = callKind(args);
      if (warned.has(kind)) return;
      warned.add(kind);
      const call = `${globalName}(${kind}, …)`;
      console.warn(`${call} is not implemented by the sandbox's stand-in SDK and was ignored`);
    };

    const init = (shopId, ...rest) => {
      if (settings) return; // init runs once per page load
      const options = rest.find((argument) => argument && typeof argument === "object") || {};
      const store = options.cookieless ? localStore : cookieStore;
      settings = {
        shopId: String(shopId),
        apiHost: options.api_host
          ? `${SCRIPT_URL.protocol}//${options.api_host}`
          : SCRIPT_URL.origin,
        did: options.did || remembered(store, DEVICE_KEY, YEAR_SECONDS),
        sid: remembered(store, SESSION_KEY, 0),
      };
      const success = rest.find((argument) => typeof argument === "function");
      if (success) success();
      for (const args of waitingForInit.splice(0)) handle(args);
    };

    const endpoint = (path) => new URL(path, settings.apiHost).href;

    const enqueue = (request) => {
      requests = requests.then(request, request);
    };

    const send = (action, params) =>
      enqueue(async () => {
        const body = {
          shop_id: settings.shopId,
          did: settings.did,
          sid: settings.sid,
          segment_id: params.segment_id,
        };
        // Optional fields are omitted, never sent empty: PersonaClick answers 422 to empty ones.
        if (params.email) body.email = params.email;
        if (params.phone) body.phone = params.phone;
        try {
          const response = await fetch(endpoint(`/segments/${action}`), {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
            keepalive: true,
          });
          if (!response.ok) {
            console.warn(`${globalName}: segment ${action} failed (${response.status})`);
          }
        } catch {
          console.warn(`${globalName}: segment ${action} failed (network error)`);
        }
      });

    const get = (callback) =>
      enqueue(async () => {
        const query = new URLSearchParams({
          shop_id: settings.shopId,
          did: settings.did,
          sid: settings.sid,
        });
        let segments;
        try {
          const response = await fetch(`${endpoint("/segments/get")}?${query}`);
          if (!response.ok) {
            console.warn(`${globalName}: segment get failed (${response.status})`);
            return;
          }
          segments = await response.json();
        } catch {
          console.warn(`${globalName}: segment get failed (network error)`);
          return;
        }
        callback(segments);
      });

    const handle = (args) => {
      const [method, ...rest] = args;
      if (!implemented(args)) return ignore(args);
      if (method === "init") return init(...rest);
      if (!settings) return void waitingForInit.push(args);
      if (method === "did" || method === "sid") {
        if (typeof rest[0] === "function") rest[0](settings[method]);
        return undefined;
      }
      const [action, argument] = rest;
      if (action === "get" && typeof argument === "function") get(argument);
      else if (action !== "get" && argument) send(action, argument);
      return undefined;
    };

    const sdk = function personaclick(...args) {
      handle(args);
    };

    // Replace the loader stub, then take its queue: init first, the rest in their order.
    const queued = Array.from((window[globalName] && window[globalName].q) || [], (args) =>
      Array.from(args),
    );
    window[globalName] = sdk;
    const initCall = queued.findIndex((args) => args[0] === "init");
    if (initCall >= 0) handle(queued.splice(initCall, 1)[0]);
    for (const args of queued) handle(args);
  };

  const stubs = GLOBAL_NAMES.filter((name) => typeof window[name] === "function");
  for (const name of stubs.length > 0 ? stubs : ["personaclick"]) install(name);
})();
