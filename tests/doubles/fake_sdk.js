// A scripted stand-in for PersonaClick's web SDK, driven by the in-browser bridge cases.
// It answers as PersonaClick documents: add/remove take a params object and return nothing;
// get hands its callback an array of {id, type}. Each behaviour bends one part of that.
(() => {
  const calls = [];
  let behaviour = { get: "async", payload: [], delayMs: 0, throwMessage: "" };
  let served = 0;
  let held = []; // the answers of held gets, given by release()

  // A payload or a thrown value no JSON can carry (BigInt, getters, a Proxy) comes as JS source.
  const made = (source, otherwise) => (source ? new Function(source)() : otherwise);
  const givenPayload = () => made(behaviour.payloadJs, behaviour.payload);
  const givenThrow = () => made(behaviour.throwJs, new Error(behaviour.throwMessage));
  const answer = (callback, payload, delayMs) => setTimeout(() => callback(payload), delayMs);
  const numbered = () => [{ id: served++, type: "static" }];

  const getBehaviours = {
    async: (callback) => answer(callback, givenPayload(), behaviour.delayMs),
    microtask: (callback) => queueMicrotask(() => callback(givenPayload())),
    sync: (callback) => callback(givenPayload()),
    double: (callback) => {
      callback(givenPayload());
      callback([{ id: 999, type: "second-answer" }]);
    },
    never: () => {},
    // Answer only when the test calls release(): however long its calls take to be made.
    held: (callback) => held.push(() => callback(givenPayload())),
    numberedHeld: (callback) => {
      const payload = numbered();
      held.push(() => callback(payload));
    },
    throw: () => {
      throw givenThrow();
    },
    undefined: (callback) => answer(callback, undefined, 0),
    // Cycle through the ways a call ends: an answer, silence, an error payload, a throw.
    mixed: (callback) => {
      const turn = served++ % 4;
      if (turn === 0) queueMicrotask(() => callback(givenPayload()));
      if (turn === 2) queueMicrotask(() => callback({ status: "error", message: "no shop" }));
      if (turn === 3) throw givenThrow();
    },
    // Answer call n with [{id: n}] after a delay that shrinks as n grows: out of order.
    numbered: (callback) => {
      const payload = numbered();
      answer(callback, payload, Math.max(1, behaviour.delayMs - payload[0].id));
    },
  };

  const sdk = function (method, action, argument) {
    if (method !== "segment") return undefined;
    if (action === "get") {
      calls.push({ action });
      getBehaviours[behaviour.get](argument);
      return undefined;
    }
    calls.push({
      action,
      params: JSON.stringify(argument),
      plainObject: Object.getPrototypeOf(argument) === Object.prototype,
      keys: Object.keys(argument),
    });
    if (behaviour.sendThrows) throw givenThrow();
    return undefined;
  };

  const installStub = () => {
    // PersonaClick's standard loader snippet, verbatim.
    window.personaclick = window.personaclick || function () {
      (window.personaclick.q = window.personaclick.q || []).push(arguments);
    };
  };

  const queued = () => (window.personaclick && window.personaclick.q) || [];

  // What the SDK does on arrival: replay the stub's queue in order, then serve calls itself.
  const arrive = () => {
    const queuedCalls = queued();
    window.personaclick = sdk;
    for (const args of queuedCalls) sdk(...args);
  };

  window.fakeSdk = {
    configure(json) {
      behaviour = { get: "async", payload: [], delayMs: 0, throwMessage: "", ...JSON.parse(json) };
      served = 0;
      held = [];
      calls.length = 0;
      window.personaclick = sdk;
    },
    uninstall() {
      delete window.personaclick;
    },
    installStub() {
      delete window.personaclick;
      installStub();
    },
    arrive,
    queuedCount: () => queued().length,
    release() {
      for (const giveAnswer of held.splice(0)) giveAnswer();
    },
    callsJson: () => JSON.stringify(calls),
  };
})();
