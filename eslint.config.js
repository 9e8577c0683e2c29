// ESLint over every JavaScript this project ships or serves, wherever it lives: the tag and its
// template, the pages' scripts and their inline <script> blocks, the sandbox's SDK, the test
// doubles and drivers, and the JavaScript strings of personaclick_bridge.py
// (scripts/eslint-python-js.js). `make test` runs `node_modules/.bin/eslint .`.
import js from "@eslint/js";
import html from "eslint-plugin-html";
import globals from "globals";
import { pythonProcessor } from "./scripts/eslint-python-js.js";

export default [
  { ignores: ["vendor/", "node_modules/", "dist/", ".venv/", "build/", "data/"] },
  js.configs.recommended,
  { linterOptions: { reportUnusedDisableDirectives: "error" } },

  // ES modules in the page: the tag and the template it is built from, and the neighbour
  // test page's own modules.
  {
    files: ["personaclick_bridge.js", "scripts/tag_template.js", "tests/browser/neighbour/*.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  {
    files: ["scripts/tag_template.js"],
    languageOptions: {
      // scripts/build_tag.py replaces these with the module's values.
      globals: {
        __VERSION__: "readonly",
        __SOURCE__: "readonly",
        __EDGE_START__: "readonly",
        __EDGE_END__: "readonly",
        __EDGE_PARAMETERS__: "readonly",
        __EDGE_SETTINGS__: "readonly",
      },
    },
  },

  // Classic scripts in the page.
  {
    files: [
      "start-python.js",
      "sandbox/*.js",
      "browsers/watcher.js",
      "tests/browser/*.js",
      "tests/doubles/*.js",
      "bench/*.js",
    ],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    files: ["**/*.html"],
    plugins: { html },
    languageOptions: {
      sourceType: "script",
      globals: {
        ...globals.browser,
        personaclick: "readonly", // PersonaClick's loader snippet
        startPython: "readonly", // start-python.js
        fakeSdk: "readonly", // tests/doubles/fake_sdk.js
        loadSdk: "readonly", // tests/browser/sandbox_loader.js
      },
    },
    // An inline script writes `<\/script>`: `</script>` would end the script element.
    rules: { "no-useless-escape": "off" },
  },
  {
    // bench/__main__.py runs Chromium with --expose-gc.
    files: ["bench/page.html"],
    languageOptions: { globals: { gc: "readonly" } },
  },

  // Node.js: the test drivers.
  {
    files: ["**/*.mjs", "eslint.config.js", "scripts/eslint-*.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },

  // personaclick_bridge.py's strings, each a function body for `new Function(...)`: the page's
  // edge and the main thread's helpers run in the page, _WORKER_JS in a worker.
  {
    files: ["personaclick_bridge.py"],
    plugins: { python: { processors: { js: pythonProcessor } } },
    processor: "python/js",
  },
  {
    files: ["personaclick_bridge.py/*.js"],
    ignores: ["personaclick_bridge.py/*_WORKER_JS.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    files: ["personaclick_bridge.py/*_WORKER_JS.js"],
    languageOptions: { sourceType: "script", globals: globals.worker },
  },
];
