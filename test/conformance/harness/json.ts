/** JSON value types and the few JSON helpers the harness needs. */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export type JsonTypeName = "object" | "array" | "string" | "number" | "boolean" | "null";

export const JSON_TYPE_NAMES: readonly JsonTypeName[] = ["object", "array", "string", "number", "boolean", "null"];

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function jsonTypeOf(value: unknown): JsonTypeName | "undefined" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "object":
      return "object";
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "undefined";
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Follows `path` through objects and arrays; `undefined` when any key is missing. */
export function getAtPath(root: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (Array.isArray(current)) {
      const index = typeof key === "number" ? key : /^\d+$/.test(key) ? Number(key) : NaN;
      if (!Number.isInteger(index) || index < 0 || index >= current.length) return undefined;
      current = current[index];
    } else if (isJsonObject(current)) {
      const name = String(key);
      if (!Object.hasOwn(current, name)) return undefined;
      current = current[name];
    } else {
      return undefined;
    }
  }
  return current;
}

function escapeStringLikePython(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    // Python's ensure_ascii escapes everything outside printable ASCII (space..tilde), one UTF-16 unit at a time.
    else if (code < 0x20 || code > 0x7e) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/**
 * Serialises like Python's `json.dumps(value)` with its defaults: `", "` and `": "` separators, no indentation,
 * non-ASCII as `\uXXXX`. Numbers use JavaScript's formatting (identical for integers and ordinary decimals).
 */
export function pythonJsonDumps(value: Json): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot serialise ${value} as JSON`);
    return String(value);
  }
  if (typeof value === "string") return escapeStringLikePython(value);
  if (Array.isArray(value)) return "[" + value.map(pythonJsonDumps).join(", ") + "]";
  const members = Object.entries(value).map(
    ([key, item]) => `${escapeStringLikePython(key)}: ${pythonJsonDumps(item)}`,
  );
  return "{" + members.join(", ") + "}";
}

/** Short, single-line rendering of a value for difference messages. */
export function preview(value: unknown, max = 160): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > max ? text.slice(0, max) + "…" : text;
}
