import { InvalidArgumentError } from "../errors.js";
import { collectionQueryFrom, type CollectionQuery } from "../search/index.js";
import type { Selection, ViewField } from "./views/engine.js";
import { MAX_SELECT_FIELDS, parseSelect } from "./views/engine.js";

/**
 * Query parameters in PHP's bracket syntax (docs/kirby-compat/routes-and-envelopes.md#select-and-view): `select[]=id`,
 * `select[children][]=id`, `query[paginate][limit]=2` read as nested lists and maps, as Kirby sees them.
 */

/** A query value as PHP reads it: text, or a map of such values (lists have the keys 0…n−1). */
export type QueryValue = string | QueryMap;
export interface QueryMap {
  readonly [key: string]: QueryValue;
}

/** Deepest bracket nesting read; deeper keys are ignored (PHP's own limit is 64). */
const MAX_DEPTH = 8;
const SEGMENT = /^\[([^\][]*)\]/;

/** The bracket segments after `name` (`select[a][b]` → ["a", "b"]), or null when the key is not one of `name`. */
function segmentsOf(key: string, name: string): string[] | null {
  if (!key.startsWith(`${name}[`)) return null;
  const segments: string[] = [];
  let rest = key.slice(name.length);
  while (rest.startsWith("[") && segments.length <= MAX_DEPTH) {
    const match = SEGMENT.exec(rest);
    if (!match) break;
    segments.push(match[1] as string);
    rest = rest.slice(match[0].length);
  }
  return segments.length > 0 && segments.length <= MAX_DEPTH ? segments : null;
}

type MutableMap = Record<string, QueryValue>;

/**
 * The value of parameter `name`: its bracket keys as a nested map (in the order they were sent, a later key
 * replacing an earlier one), else its plain text, else undefined.
 */
export function queryValue(values: Readonly<Record<string, string>>, name: string): QueryValue | undefined {
  let root: MutableMap | null = null;
  for (const [key, value] of Object.entries(values)) {
    const segments = segmentsOf(key, name);
    if (!segments) continue;
    root ??= Object.create(null) as MutableMap;
    let node: MutableMap = root;
    for (const [index, segment] of segments.entries()) {
      if (index === segments.length - 1) {
        node[segment] = value;
        break;
      }
      const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (typeof next === "object") node = next as MutableMap;
      else {
        const created = Object.create(null) as MutableMap;
        node[segment] = created;
        node = created;
      }
    }
  }
  if (root) return root;
  return Object.hasOwn(values, name) ? values[name] : undefined;
}

/** The fields of a `select` given as a map: list entries are names, named entries sub-views or sub-selections. */
function selectionFields(map: QueryMap, depth: number): ViewField[] {
  const fields: ViewField[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(map)) {
    if (fields.length >= MAX_SELECT_FIELDS) {
      throw new InvalidArgumentError({
        message: `The select parameter must not name more than ${MAX_SELECT_FIELDS} fields`,
      });
    }
    if (/^\d+$/.test(key)) {
      if (typeof value !== "string") continue;
      const name = value.trim();
      if (name !== "" && !seen.has(name)) fields.push(name);
      seen.add(name);
      continue;
    }
    seen.add(key);
    if (typeof value === "string") {
      // `any` as a sub view would render every field of every nested model (Kirby: a 500)
      if (value.trim() === "any") {
        throw new InvalidArgumentError({ message: `The sub view "any" cannot be selected for "${key.slice(0, 64)}"` });
      }
      fields.push({ field: key, view: value.trim() });
    } else if (depth < MAX_DEPTH) {
      fields.push({ field: key, select: selectionFields(value, depth + 1) });
    }
  }
  return fields;
}

/** The selection of `select`: text (`a,b`) or PHP's array form (`select[]=a&select[parent]=compact`); null if none. */
export function selectionParam(values: Readonly<Record<string, string>>): Selection | null {
  const value = queryValue(values, "select");
  if (value === undefined || typeof value === "string") return parseSelect(value);
  const fields = selectionFields(value, 0);
  return fields.length ? { fields } : null;
}

/**
 * The collection query of `query[offset|limit|search|paginate]` (docs/kirby-compat/routes-and-envelopes.md#query),
 * read like a search POST body; null when `query` is absent or plain text (`query=abc` is ignored).
 */
export function collectionQueryParam(values: Readonly<Record<string, string>>): CollectionQuery | null {
  const value = queryValue(values, "query");
  return value === undefined || typeof value === "string" ? null : collectionQueryFrom(value);
}
