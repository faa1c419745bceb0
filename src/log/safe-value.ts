/**
 * Values from requests on their way into a log line (stderr or the audit log): one line each, no terminal escape
 * sequences, bounded in size, and never what someone typed as a password.
 */

/** Longest part of any one value that is logged. */
export const MAX_LOGGED_CHARS = 256;
/** How deep, and how many entries per level, a structured value is logged. */
const MAX_DEPTH = 4;
const MAX_ENTRIES = 32;

export const NOT_LOGGED = "[not logged]";

/**
 * Control characters (C0 with CR/LF/ESC, DEL, C1), line and paragraph separators, the bidi overrides that make a
 * line read differently from what it holds, and the backslash, so that an escape cannot be faked by the input.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

function escapeChar(char: string): string {
  if (char === "\\") return "\\\\";
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  if (char === "\t") return "\\t";
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A string safe to log: cut to `max` characters (saying how much was cut), then escaped. */
export function safeValue(value: string, max: number = MAX_LOGGED_CHARS): string {
  let kept = value;
  let suffix = "";
  if (value.length > max) {
    let end = max;
    // never keep half of a surrogate pair
    const last = value.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    kept = value.slice(0, end);
    suffix = `…[cut ${value.length - end} chars]`;
  }
  return kept.replace(UNSAFE, escapeChar) + suffix;
}

/** Field names whose values are passwords (`password`, `currentPassword`, `newPassword`, …). */
export function isPasswordField(name: string): boolean {
  return /password/i.test(name);
}

/**
 * A structured value safe to log: strings through `safeValue`, password fields replaced, keys escaped, depth and
 * breadth bounded. Numbers, booleans and null stay as they are.
 */
export function safeLogged(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return safeValue(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (value === undefined) return null;
  if (typeof value !== "object") return safeValue(String(value));
  if (depth >= MAX_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ENTRIES).map((item) => safeLogged(item, depth + 1));
    if (value.length > MAX_ENTRIES) items.push(`…[cut ${value.length - MAX_ENTRIES} entries]`);
    return items;
  }
  const result: Record<string, unknown> = {};
  let count = 0;
  for (const [key, entry] of Object.entries(value)) {
    if (count++ === MAX_ENTRIES) {
      result["…"] = "[more entries cut]";
      break;
    }
    result[safeValue(key, 64)] = isPasswordField(key) ? NOT_LOGGED : safeLogged(entry, depth + 1);
  }
  return result;
}
