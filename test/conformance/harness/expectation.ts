/** What a step's response is expected to be, after deviations: the model the comparator checks against. */

import { getAtPath, isJsonObject, JSON_TYPE_NAMES, jsonTypeOf, type Json, type JsonTypeName } from "./json.js";
import type { GoldenResponse } from "./golden.js";

/** Matches any value of the given JSON types (`{"$any": …}` in deviation values). */
export class AnyValue {
  constructor(readonly types: readonly JsonTypeName[] | "any") {}

  accepts(value: unknown): boolean {
    const type = jsonTypeOf(value);
    return type !== "undefined" && (this.types === "any" || this.types.includes(type));
  }

  describe(): string {
    return this.types === "any" ? "any value" : `any ${this.types.join(" or ")}`;
  }
}

export type ExpectedValue =
  | null
  | boolean
  | number
  | string
  | AnyValue
  | ExpectedValue[]
  | { [key: string]: ExpectedValue };

export type ExpectedBody = { kind: "json"; value: ExpectedValue } | { kind: "text"; value: string };

export type HeaderExpectation =
  | { kind: "absent" }
  | { kind: "ignore" }
  /** One value per occurrence; only `set-cookie` has several. */
  | { kind: "values"; values: string[] }
  /** The value the request actually sent carries in `name` (absent if none), plus extra tokens. */
  | { kind: "request-header"; name: string; extraTokens: string[] };

export interface Expectation {
  status: number;
  /** Lower-case names. Headers not listed are expected absent (compared families) or ignored (others). */
  headers: Record<string, HeaderExpectation>;
  body: ExpectedBody;
  bodyIgnored: boolean;
  bodyRaw: string | null;
}

const FAMILY = new Set([
  "content-type",
  "set-cookie",
  "vary",
  "www-authenticate",
  "cache-control",
  "location",
  "allow",
]);

/** Headers that must be absent when not recorded. (`x-*` are compared only when recorded.) */
export function isComparedFamily(name: string): boolean {
  return FAMILY.has(name) || name.startsWith("access-control-");
}

/** Headers that are never compared, even when recorded. */
export const IGNORED_HEADERS = new Set([
  "x-powered-by",
  "date",
  "content-length",
  "connection",
  "keep-alive",
  "transfer-encoding",
]);

function toAnyValue(spec: Json, where: string): AnyValue {
  if (spec === "any") return new AnyValue("any");
  const list = Array.isArray(spec) ? spec : [spec];
  if (!list.every((t) => typeof t === "string" && JSON_TYPE_NAMES.includes(t as JsonTypeName))) {
    throw new Error(`${where}: $any needs a JSON type name, a list of them, or "any"`);
  }
  return new AnyValue(list as JsonTypeName[]);
}

/** Converts a JSON value from a deviation rule, turning `{"$any": …}` into matchers. */
export function toExpectedValue(value: Json, where: string): ExpectedValue {
  if (Array.isArray(value)) return value.map((item) => toExpectedValue(item, where));
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$any") return toAnyValue(value["$any"] ?? null, where);
    const out: { [key: string]: ExpectedValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = toExpectedValue(item, where);
    return out;
  }
  return value;
}

/** Deep copy that keeps `AnyValue` matchers (structuredClone would turn them into plain objects). */
export function cloneExpected(value: ExpectedValue): ExpectedValue {
  if (value instanceof AnyValue) return value;
  if (Array.isArray(value)) return value.map(cloneExpected);
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: ExpectedValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = cloneExpected(item);
    return out;
  }
  return value;
}

export function expectationFromRecorded(response: GoldenResponse): Expectation {
  const headers: Record<string, HeaderExpectation> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const lower = name.toLowerCase();
    if (IGNORED_HEADERS.has(lower)) continue;
    headers[lower] = { kind: "values", values: Array.isArray(value) ? [...value] : [value] };
  }
  return {
    status: response.status,
    headers,
    body:
      typeof response.body === "string"
        ? { kind: "text", value: response.body }
        : { kind: "json", value: structuredClone(response.body) },
    bodyIgnored: false,
    bodyRaw: response.body_raw ?? null,
  };
}

export function splitTokens(value: string): string[] {
  return value
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token !== "");
}

/** Applies one `expect.headers` entry (already resolved) to the expectation. */
export function applyHeaderEffect(expectation: Expectation, name: string, spec: Json, where: string): void {
  const lower = name.toLowerCase();
  if (spec === null) {
    // An unlisted family header is already required to be absent; keeping it unlisted keeps "no change" visible.
    if (isComparedFamily(lower)) delete expectation.headers[lower];
    else expectation.headers[lower] = { kind: "absent" };
  } else if (typeof spec === "string") {
    expectation.headers[lower] = { kind: "values", values: [spec] };
  } else if (Array.isArray(spec) && spec.every((v) => typeof v === "string")) {
    expectation.headers[lower] = { kind: "values", values: spec as string[] };
  } else if (isJsonObject(spec) && spec["$ignore"] === true) {
    expectation.headers[lower] = { kind: "ignore" };
  } else if (isJsonObject(spec) && typeof spec["$request_header"] === "string") {
    expectation.headers[lower] = { kind: "request-header", name: spec["$request_header"], extraTokens: [] };
  } else if (
    isJsonObject(spec) &&
    Array.isArray(spec["add_tokens"]) &&
    spec["add_tokens"].every((t) => typeof t === "string")
  ) {
    const added = spec["add_tokens"] as string[];
    const current: HeaderExpectation =
      expectation.headers[lower] ?? (isComparedFamily(lower) ? { kind: "absent" } : { kind: "ignore" });
    if (current.kind === "values") {
      expectation.headers[lower] = {
        kind: "values",
        values: [[...current.values.flatMap(splitTokens), ...added].join(", ")],
      };
    } else if (current.kind === "absent") {
      expectation.headers[lower] = { kind: "values", values: [added.join(", ")] };
    } else if (current.kind === "request-header") {
      expectation.headers[lower] = { ...current, extraTokens: [...current.extraTokens, ...added] };
    }
  } else {
    throw new Error(`${where}: unsupported value for header ${name}: ${JSON.stringify(spec)}`);
  }
}

function setAt(root: ExpectedValue, path: readonly (string | number)[], value: ExpectedValue): void {
  let current: ExpectedValue = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string | number;
    const container: ExpectedValue = current;
    if (Array.isArray(container)) {
      const next = container[Number(key)];
      if (next === undefined) return;
      current = next;
    } else if (isPlainExpectedObject(container)) {
      const name = String(key);
      let next = container[name];
      if (next === undefined) container[name] = next = {};
      current = next;
    } else return;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (Array.isArray(current)) current[Number(last)] = value;
  else if (isPlainExpectedObject(current)) current[String(last)] = value;
}

function removeAt(root: ExpectedValue, path: readonly (string | number)[]): void {
  const parent = getAtPath(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isPlainExpectedObject(parent as ExpectedValue))
    delete (parent as Record<string, ExpectedValue>)[String(last)];
}

export function isPlainExpectedObject(value: ExpectedValue | undefined): value is { [key: string]: ExpectedValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof AnyValue);
}

/** `body_patch` operations on a JSON body (no effect on text bodies). */
export function applyBodyPatch(
  expectation: Expectation,
  op: "remove" | "set" | "type_only",
  path: readonly (string | number)[],
  value: ExpectedValue | undefined,
): void {
  if (expectation.body.kind !== "json") return;
  if (path.length === 0) {
    if (op === "set" && value !== undefined) expectation.body = { kind: "json", value };
    return;
  }
  const root = expectation.body.value;
  if (op === "remove") removeAt(root, path);
  else if (op === "set") setAt(root, path, value ?? null);
  else {
    const current = getAtPath(root, path);
    if (current === undefined) return;
    const type = current instanceof AnyValue ? null : jsonTypeOf(current);
    if (type !== null && type !== "undefined") setAt(root, path, new AnyValue([type]));
  }
}

/** A canonical text of an expectation, to tell whether a rule changed it. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item instanceof AnyValue ? { $any: item.types } : item));
}
