// Drives personaclick_bridge.py's own _EDGE_JS in Node.js (node_edge.py starts it): one JSON
// command a line in, one JSON line out.
// The page's edge also serves two channels: "worker" for the module's own _WORKER_JS, "raw" for
// messages written by a test.
// Arguments: the fake SDK's file, _EDGE_JS, _WORKER_JS, and the edge's settings as JSON.
globalThis.window = globalThis;
const fs = require("fs");
eval(fs.readFileSync(process.argv[2], "utf8"));
const settings = JSON.parse(process.argv[5]);
const edge = new Function(...settings.names, process.argv[3])(...settings.values);
const write = (message) => process.stdout.write(JSON.stringify(message) + "\n");
edge.serve("worker");
edge.serve("raw");
const worker = new Function(process.argv[4])()("worker");
const raw = new BroadcastChannel("raw");
raw.onmessage = ({ data: [id, text] }) => write({ id: `raw-${id}`, text });
// The calls of a burst are all made in one task, as a worker's tasks may be.
const workerCall = ({ id, op, name, action, params, timeoutMs, fresh }, caller = worker) => {
  const answer =
    op === "send" ? caller.send(name, action, params) : caller.get(name, timeoutMs, fresh);
  answer.then((text) => write({ id, text }));
};
const lines = require("readline").createInterface({ input: process.stdin });
// Ends with its input: the edge's timer for the latest deadline may still be set.
lines.on("close", () => process.exit(0));
lines.on("line", (line) => {
  const command = JSON.parse(line);
  if (command.op === "send") {
    write({ text: edge.send(command.name, command.action, command.params) });
  } else if (command.op === "get") {
    const reply = (text) => write({ id: command.id, text });
    edge.get(command.name, command.timeoutMs, command.fresh, reply);
  } else if (command.op === "burst") {
    command.calls.forEach((call) => workerCall(call));
  } else if (command.op === "late") {
    // A worker whose channel the page starts listening on only after its calls were made, as
    // when the browser has not yet registered the page's end.
    const late = new Function(process.argv[4])()(`late-${command.channel}`);
    command.calls.forEach((call) => workerCall(call, late));
    setTimeout(() => edge.serve(`late-${command.channel}`), command.delayMs);
  } else if (command.op === "post") {
    raw.postMessage(command.message);
  } else {
    write({ text: String(globalThis.fakeSdk[command.op](...command.args)) });
  }
});
