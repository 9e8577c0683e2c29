// Drives Debian's Firefox ESR for browsers/firefox.py over WebDriver BiDi, with puppeteer-core.
// Reads one JSON command a line on stdin, writes one JSON answer a line on stdout:
// {"id": 1, "op": "goto", "page": 2, "url": "..."} -> {"id": 1, "value": ...} or {"id": 1, "error": "..."}
import readline from "node:readline";
import puppeteer from "puppeteer-core";

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr",
  headless: true,
  // Every request not for 127.0.0.1 goes to the harness's refusing proxy.
  extraPrefsFirefox: {
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": Number(process.env.REFUSING_PROXY_PORT),
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": Number(process.env.REFUSING_PROXY_PORT),
    "network.proxy.no_proxies_on": "127.0.0.1",
    "network.proxy.allow_hijacking_localhost": false,
  },
});
// One browser context for every page: a page is a new tab of it, with the profile's cache warm.
const context = await browser.createBrowserContext();
const pages = new Map();
let nextPage = 1;

// Runs in the page: the script is an expression, or a function called with arg; awaited, so a
// thenable (Pyodide's answer from an async Python function) resolves too.
const run = async (source, arg) => {
  const value = (0, eval)(`(${source})`);
  return await (typeof value === "function" ? value(arg) : value);
};

async function newPage() {
  const page = await context.newPage();
  const watched = { page, requests: [], errors: [] };
  // Page-level events include the page's workers here (WebDriver BiDi reports them as one).
  page.on("request", (request) => watched.requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") watched.errors.push(message.text());
  });
  page.on("pageerror", (error) => watched.errors.push(`uncaught: ${error.message || error}`));
  const id = nextPage++;
  pages.set(id, watched);
  return id;
}

const operations = {
  newPage,
  goto: ({ page, url }) => pages.get(page).page.goto(url).then(() => null),
  reload: ({ page }) => pages.get(page).page.reload().then(() => null),
  addInitScript: ({ page, script }) =>
    pages.get(page).page.evaluateOnNewDocument(script).then(() => null),
  setViewport: ({ page, width, height }) =>
    pages.get(page).page.setViewport({ width, height }).then(() => null),
  evaluate: ({ page, script, arg }) =>
    pages.get(page).page.evaluate(run, script, arg),
  waitFor: ({ page, script, arg, timeoutMs }) =>
    pages
      .get(page)
      .page.waitForFunction(run, { timeout: timeoutMs, polling: 50 }, script, arg)
      .then((handle) => handle.jsonValue()),
  click: ({ page, selector }) => pages.get(page).page.click(selector).then(() => null),
  fill: async ({ page, selector, text }) => {
    const target = pages.get(page).page;
    await target.$eval(selector, (element) => (element.value = ""));
    await target.type(selector, text);
    return null;
  },
  press: async ({ page, selector, key }) => {
    await (await pages.get(page).page.$(selector)).press(key);
    return null;
  },
  watched: ({ page }) => {
    const { requests, errors } = pages.get(page);
    return { requests, errors };
  },
  // The page's storage went first (the harness's FORGET); the cookies go with the tab.
  closePage: async ({ page }) => {
    await context.deleteCookie(...(await context.cookies()));
    await pages.get(page).page.close();
    pages.delete(page);
    return null;
  },
};

const answer = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const command = JSON.parse(line);
  try {
    const value = await operations[command.op](command);
    answer({ id: command.id, value: value === undefined ? null : value });
  } catch (error) {
    answer({ id: command.id, error: String(error && error.stack ? error.stack : error) });
  }
});
lines.on("close", () => browser.close().then(() => process.exit(0)));
answer({ id: 0, value: "ready" });
