/** Raw config as a file holds it: maps, and Kirby's dotted keys turned into nested maps. */

export type Raw = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns dotted keys into nested maps (`"api.basicAuth": true` ⇒ `{ api: { basicAuth: true } }`), deeply. */
export function expandDottedKeys(raw: Raw): Raw {
  const result: Raw = {};
  for (const [key, value] of Object.entries(raw)) {
    const path = key.split(".");
    // a JSON key "__proto__" would otherwise reach Object.prototype through `target[segment]`
    if (path.includes("__proto__")) continue;
    let target = result;
    for (const segment of path.slice(0, -1)) {
      const next = target[segment];
      if (!isPlainObject(next)) target[segment] = {};
      target = target[segment] as Raw;
    }
    const last = path[path.length - 1] as string;
    const expanded = copy(value);
    const existing = target[last];
    target[last] = isPlainObject(existing) && isPlainObject(expanded) ? deepMerge(existing, expanded) : expanded;
  }
  return result;
}

/** Maps expanded, lists copied: the options built from them are frozen, and never the caller's own objects. */
function copy(value: unknown): unknown {
  if (isPlainObject(value)) return expandDottedKeys(value);
  return Array.isArray(value)
    ? value.map((item) => (Array.isArray(item) ? copy(item) : isPlainObject(item) ? { ...item } : item))
    : value;
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
