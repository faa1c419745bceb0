import { ConfigError } from "../errors.js";

/** Reading raw config: dotted keys, typed accessors and the one way an invalid option is reported. */

export type Raw = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns dotted keys into nested maps (`"api.basicAuth": true` ⇒ `{ api: { basicAuth: true } }`), deeply. */
export function expandDottedKeys(raw: Raw): Raw {
  const result: Raw = {};
  for (const [key, value] of Object.entries(raw)) {
    const path = key.split(".");
    let target = result;
    for (const segment of path.slice(0, -1)) {
      const next = target[segment];
      if (!isPlainObject(next)) target[segment] = {};
      target = target[segment] as Raw;
    }
    const last = path[path.length - 1] as string;
    const expanded = isPlainObject(value) ? expandDottedKeys(value) : value;
    const existing = target[last];
    target[last] = isPlainObject(existing) && isPlainObject(expanded) ? deepMerge(existing, expanded) : expanded;
  }
  return result;
}

/** Merges `b` into `a` at every depth (later keys win for non-map values). */
function deepMerge(a: Raw, b: Raw): Raw {
  const merged: Raw = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return "a map";
  return `${typeof value} ${String(value)}`;
}

export function fail(option: string, expected: string, value: unknown): never {
  throw new ConfigError(`Invalid option "${option}": expected ${expected}, got ${describe(value)}`);
}

/** Typed reads of raw options by dotted path; every wrong type stops the start with a message naming the option. */
export class Reader {
  constructor(private readonly raw: Raw) {}

  get(path: string): unknown {
    let node: unknown = this.raw;
    for (const segment of path.split(".")) {
      if (!isPlainObject(node) || !Object.hasOwn(node, segment)) return undefined;
      node = node[segment];
    }
    return node;
  }

  bool(path: string, fallback: boolean): boolean {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") fail(path, "true or false", value);
    return value;
  }

  string(path: string, fallback: string, { nonEmpty = true } = {}): string {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string" || (nonEmpty && value === "")) fail(path, "a non-empty string", value);
    return value;
  }

  optionalString(path: string): string | null {
    const value = this.get(path);
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || value === "") fail(path, "a non-empty string", value);
    return value;
  }

  positiveInt(path: string, fallback: number): number {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      fail(path, "a positive whole number", value);
    }
    return value;
  }

  nonNegativeInt(path: string, fallback: number): number {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
      fail(path, "a whole number of seconds (0 or more)", value);
    return value;
  }

  positiveIntOrFalse(path: string, fallback: number | false): number | false {
    const value = this.get(path);
    if (value === false) return false;
    return this.positiveInt(path, fallback === false ? 0 : fallback) || fallback;
  }

  stringList(path: string, fallback: readonly string[], { wrapString = true } = {}): readonly string[] {
    const value = this.get(path);
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && wrapString) return [value];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      fail(path, "a list of strings", value);
    }
    return value as string[];
  }
}
