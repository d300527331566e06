// Dumps come from hosts that may be compromised, and a function name, URL, hostname or reason in them may hold
// terminal escapes: OSC 0 retitles the window, CSI 2J clears the screen, OSC 52 writes the operator's clipboard.
// Every string the CLI prints as text passes through `printable`; `--json` output escapes what JSON leaves raw.

// C0 controls, DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates that reorder text
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// what JSON.stringify leaves raw: the C0 controls it escapes itself
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function escapeJson(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` with every control character and bidi override shown as a visible escape (`\x1b`, `\u202e`): safe on a terminal. */
export function printable(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** JSON text with DEL, C1 controls and bidi overrides escaped as `\uXXXX`: the same JSON value, safe on a terminal. */
export function printableJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, escapeJson);
}

/**
 * A copy of `value` with {@link printable} applied to every string in it (keys too), for text renderers: so no field
 * can be forgotten, the data is cleaned before any renderer sees it. Objects other than plain objects and arrays
 * (typed arrays, dates) are kept as they are.
 */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((item) => printableDeep(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key from a file stays a plain key
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(copy, printable(key), { value: printableDeep(item), enumerable: true, writable: true, configurable: true });
    return copy as T;
  }
  return value;
}
