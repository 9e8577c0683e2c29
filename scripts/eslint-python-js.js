// An ESLint processor for the JavaScript that personaclick_bridge.py keeps in Python strings
// (eslint.config.js): each `_NAME_JS = """..."""` is linted as a function body, the way
// `new Function(...)` runs it, and each message points at the .py file's line and column.
// A string `_NAME_JS` takes its parameters from `_NAME_PARAMETERS = ("a", "b")` when the module
// has one (the edge's settings); the other strings take none.

const STRING_START = /^(_[A-Z][A-Z0-9_]*_JS) = (r?)"""/gm;
// The escapes Python's string literals decode that leave the lines as they are.
const ESCAPES = { "\\": "\\", '"': '"', "'": "'", t: "\t" };

const parameters = (text, name) => {
  const pattern = new RegExp(`^${name.replace(/_JS$/, "_PARAMETERS")} = \\(([^)]*)\\)`, "m");
  const found = pattern.exec(text);
  return found ? [...found[1].matchAll(/"([^"]*)"/g)].map((match) => match[1]) : [];
};

// The string's value as Python reads it, and for each of its characters (and its end) the offset
// in the file it came from.
const decoded = (text, start, end, raw, name) => {
  let value = "";
  const offsets = [];
  for (let at = start; at < end; at++) {
    offsets.push(at);
    if (raw || text[at] !== "\\") {
      value += text[at];
    } else if (Object.hasOwn(ESCAPES, text[at + 1])) {
      value += ESCAPES[text[at + 1]];
      at++;
    } else {
      const line = text.slice(0, at).split("\n").length;
      throw new Error(
        `personaclick_bridge.py:${line}: ${name} has an escape (\\${text[at + 1]}) that ` +
          "scripts/eslint-python-js.js does not read: write it otherwise or teach the processor.",
      );
    }
  }
  offsets.push(end);
  return { value, offsets };
};

// Every JavaScript string of a Python file: its name, its value and where each character sits.
export const pythonStrings = (text) =>
  [...text.matchAll(STRING_START)].map((found) => {
    const [, name, raw] = found;
    const start = found.index + found[0].length;
    const end = text.indexOf('"""', start);
    if (end === -1) throw new Error(`${name} has no closing """`);
    const { value, offsets } = decoded(text, start, end, raw, name);
    return { name, start, value, offsets, parameters: parameters(text, name) };
  });

const lineStarts = (text) => [0, ...[...text.matchAll(/\n/g)].map((found) => found.index + 1)];

// Where a line and column (both from 1, ESLint's) of one text sit in another, through offsets.
const position = (starts, line, column) => starts[line - 1] + column - 1;
const lineColumn = (starts, offset) => {
  let line = starts.length;
  while (starts[line - 1] > offset) line--;
  return { line, column: offset - starts[line - 1] + 1 };
};

const files = new Map(); // filename -> the blocks of its last preprocess

export const pythonProcessor = {
  meta: { name: "python-js" },
  supportsAutofix: false,
  preprocess(text, filename) {
    const fileStarts = lineStarts(text);
    const blocks = pythonStrings(text).map((string) => {
      const head = `(function (${string.parameters.join(", ")}) {`;
      const code = `${head}${string.value}\n});\n`;
      return { ...string, head, code, codeStarts: lineStarts(code), fileStarts };
    });
    files.set(filename, blocks);
    return blocks.map(({ name, code }) => ({ text: code, filename: `${name}.js` }));
  },
  postprocess(messageLists, filename) {
    const blocks = files.get(filename);
    files.delete(filename);
    return messageLists.flatMap((messages, index) => {
      const { head, value, offsets, codeStarts, fileStarts, start } = blocks[index];
      // A place in the wrapper stands for the string's opening quotes.
      const where = (line, column) => {
        const inValue = position(codeStarts, line, column) - head.length;
        const offset = inValue >= 0 && inValue <= value.length ? offsets[inValue] : start - 3;
        return lineColumn(fileStarts, offset);
      };
      return messages.map((message) => {
        const mapped = { ...message, ...where(message.line ?? 1, message.column ?? 1) };
        delete mapped.fix; // its range is the wrapped string's, not the file's
        delete mapped.suggestions;
        if (message.endLine !== undefined) {
          const end = where(message.endLine, message.endColumn ?? 1);
          mapped.endLine = end.line;
          mapped.endColumn = end.column;
        }
        return mapped;
      });
    });
  },
};
