/** Compares a live response with a step's expectation, following the README's comparison rules. */

import { compareSetCookies } from "./cookies.js";
import {
  AnyValue,
  IGNORED_HEADERS,
  isComparedFamily,
  isPlainExpectedObject,
  splitTokens,
  type ExpectedValue,
  type Expectation,
  type HeaderExpectation,
} from "./expectation.js";
import { isJsonObject, jsonTypeOf, preview } from "./json.js";
import { describeStringDifference, hasPlaceholders, matchTemplate, type TemplateContext } from "./placeholders.js";

export interface LiveResponse {
  status: number;
  /** Raw header pairs as received (names in any case, repeats kept). */
  headers: [string, string][];
  body: Buffer;
  /** Epoch milliseconds. */
  receivedAt: number;
}

export interface CompareContext extends TemplateContext {
  receivedAt: number;
  /** The headers actually sent, for `$request_header`. */
  sentHeaders: Record<string, string>;
}

export interface Comparison {
  diffs: string[];
  warnings: string[];
}

/** Token headers compared as sets; the flag says whether tokens are case-sensitive (methods). */
const TOKEN_HEADERS = new Map<string, boolean>([
  ["vary", false],
  ["cache-control", false],
  ["allow", true],
  ["access-control-allow-methods", true],
  ["access-control-allow-headers", false],
  ["access-control-expose-headers", false],
]);
export function liveHeaderMap(headers: readonly [string, string][]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    map.set(lower, [...(map.get(lower) ?? []), value]);
  }
  return map;
}

function parseContentType(value: string): { media: string; charset: string | null } {
  const [media = "", ...params] = value.split(";");
  let charset: string | null = null;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() === "charset")
      charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, "")
        .toLowerCase();
  }
  return { media: media.trim().toLowerCase(), charset };
}

export function compareContentType(expected: string, actual: string): string[] {
  const want = parseContentType(expected);
  const got = parseContentType(actual);
  return want.media === got.media && want.charset === got.charset
    ? []
    : [`header content-type: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Compares a comma-separated token header as a set. Repeats give a warning only. */
export function compareTokenSet(name: string, expected: string, actual: string, caseSensitive: boolean): Comparison {
  const norm = (token: string) => (caseSensitive ? token : token.toLowerCase());
  const want = splitTokens(expected).map(norm);
  const got = splitTokens(actual).map(norm);
  const warnings: string[] = [];
  const repeated = got.filter((token, i) => got.indexOf(token) !== i);
  if (repeated.length > 0) warnings.push(`header ${name}: repeated token(s) ${[...new Set(repeated)].join(", ")}`);
  const wantSet = new Set(want);
  const gotSet = new Set(got);
  const same = wantSet.size === gotSet.size && [...wantSet].every((token) => gotSet.has(token));
  if (same) return { diffs: [], warnings };
  const show = (set: Set<string>) => `{${[...set].join(", ")}}`;
  const missing = [...wantSet].filter((token) => !gotSet.has(token));
  const extra = [...gotSet].filter((token) => !wantSet.has(token));
  const detail = [
    missing.length > 0 ? `missing ${missing.join(", ")}` : "",
    extra.length > 0 ? `extra ${extra.join(", ")}` : "",
  ].filter((d) => d !== "");
  return { diffs: [`header ${name}: expected ${show(wantSet)}, got ${show(gotSet)} (${detail.join("; ")})`], warnings };
}

function headerValueOf(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** Turns a `$request_header` expectation into a plain one, using the request actually sent. */
function resolveRequestHeader(spec: HeaderExpectation, sentHeaders: Record<string, string>): HeaderExpectation {
  if (spec.kind !== "request-header") return spec;
  const sent = headerValueOf(sentHeaders, spec.name);
  const tokens = [...(sent === undefined ? [] : [sent]), ...spec.extraTokens];
  return tokens.length === 0 ? { kind: "absent" } : { kind: "values", values: [tokens.join(", ")] };
}

function compareHeaderValue(name: string, expected: string[], actual: string[], ctx: CompareContext): Comparison {
  if (name === "set-cookie") return { diffs: compareSetCookies(expected, actual, ctx), warnings: [] };
  const want = expected.join(", ");
  const got = actual.join(", ");
  if (name === "www-authenticate") return { diffs: [], warnings: [] };
  if (name === "content-type") return { diffs: compareContentType(want, got), warnings: [] };
  const caseSensitive = TOKEN_HEADERS.get(name);
  if (caseSensitive !== undefined) return compareTokenSet(name, want, got, caseSensitive);
  return { diffs: matchTemplate(want, got, ctx).map((p) => `header ${name}: ${p}`), warnings: [] };
}

/** Header comparison: recorded families must be sent, unrecorded ones must not; `x-*` only when recorded. */
export function compareHeaders(expect: Expectation, live: Map<string, string[]>, ctx: CompareContext): Comparison {
  const diffs: string[] = [];
  const warnings: string[] = [];
  for (const [name, rawSpec] of Object.entries(expect.headers)) {
    if (IGNORED_HEADERS.has(name)) continue;
    const spec = resolveRequestHeader(rawSpec, ctx.sentHeaders);
    const actual = live.get(name);
    if (spec.kind === "ignore") continue;
    if (spec.kind === "absent") {
      if (actual !== undefined) diffs.push(`header ${name}: not expected, got ${JSON.stringify(actual.join(", "))}`);
      continue;
    }
    if (spec.kind !== "values") continue;
    if (actual === undefined) {
      diffs.push(
        `header ${name}: expected ${JSON.stringify(spec.values.length === 1 ? spec.values[0] : spec.values)}, got none`,
      );
      continue;
    }
    const result = compareHeaderValue(name, spec.values, actual, ctx);
    diffs.push(...result.diffs);
    warnings.push(...result.warnings);
  }
  for (const [name, actual] of live) {
    if (Object.hasOwn(expect.headers, name) || IGNORED_HEADERS.has(name) || !isComparedFamily(name)) continue;
    diffs.push(
      `header ${name}: not expected, got ${JSON.stringify(name === "set-cookie" ? actual : actual.join(", "))}`,
    );
  }
  return { diffs, warnings };
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Deep JSON comparison: key order ignored, arrays in order, scalars by type and value, strings with placeholders. */
export function compareJson(
  expected: ExpectedValue,
  actual: unknown,
  path: string,
  ctx: TemplateContext,
  diffs: string[],
): void {
  if (expected instanceof AnyValue) {
    if (!expected.accepts(actual))
      diffs.push(`${path}: expected ${expected.describe()}, got ${jsonTypeOf(actual)} ${preview(actual)}`);
    return;
  }
  const wantType = jsonTypeOf(expected);
  const gotType = jsonTypeOf(actual);
  if (wantType !== gotType) {
    diffs.push(`${path}: expected ${preview(expected)}, got ${gotType === "undefined" ? "nothing" : preview(actual)}`);
    return;
  }
  if (typeof expected === "string") {
    const text = actual as string;
    if (!hasPlaceholders(expected)) {
      if (expected !== text) {
        diffs.push(
          expected.length > 80 || text.length > 80
            ? `${path}: ${describeStringDifference(expected, text)}`
            : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(text)}`,
        );
      }
      return;
    }
    for (const problem of matchTemplate(expected, text, ctx)) diffs.push(`${path}: ${problem}`);
    return;
  }
  if (Array.isArray(expected)) {
    const list = actual as unknown[];
    if (list.length !== expected.length) diffs.push(`${path}: expected ${expected.length} item(s), got ${list.length}`);
    const count = Math.min(list.length, expected.length);
    for (let i = 0; i < count; i++) compareJson(expected[i] as ExpectedValue, list[i], childPath(path, i), ctx, diffs);
    return;
  }
  if (isPlainExpectedObject(expected) && isJsonObject(actual)) {
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key))
        diffs.push(
          `${childPath(path, key)}: missing (expected ${value instanceof AnyValue ? value.describe() : preview(value)})`,
        );
      else compareJson(value, actual[key], childPath(path, key), ctx, diffs);
    }
    for (const key of Object.keys(actual)) {
      if (!Object.hasOwn(expected, key))
        diffs.push(`${childPath(path, key)}: unexpected key (got ${preview(actual[key])})`);
    }
    return;
  }
  if (expected !== actual) diffs.push(`${path}: expected ${preview(expected)}, got ${preview(actual)}`);
}

const TRUNCATED = /… <truncated, \d+ bytes total>$/;
const MAX_COMPARED_TEXT = 1024;

export function compareBody(expect: Expectation, text: string, ctx: TemplateContext): string[] {
  if (expect.bodyIgnored) return [];
  const body = expect.body;
  const diffs: string[] = [];
  if (body.kind === "text") {
    if (body.value === "") {
      if (text !== "") diffs.push(`body: expected an empty body, got ${preview(text)}`);
    } else if (body.value.length <= MAX_COMPARED_TEXT && !TRUNCATED.test(body.value)) {
      diffs.push(...matchTemplate(body.value, text, ctx).map((p) => `body: ${p}`));
    }
    return diffs;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [`body: expected JSON, got ${text === "" ? "an empty body" : preview(text)}`];
  }
  compareJson(body.value, parsed, "body", ctx, diffs);
  return diffs;
}

export function compareBodyRaw(template: string, text: string, ctx: TemplateContext): string[] {
  return matchTemplate(template, text, ctx).map((problem) => `body_raw: ${problem}`);
}

export function compareResponse(expect: Expectation, live: LiveResponse, ctx: CompareContext): Comparison {
  const diffs: string[] = [];
  if (live.status !== expect.status) diffs.push(`status: expected ${expect.status}, got ${live.status}`);
  const headers = compareHeaders(expect, liveHeaderMap(live.headers), ctx);
  diffs.push(...headers.diffs);
  const text = live.body.toString("utf8");
  diffs.push(...compareBody(expect, text, ctx));
  if (expect.bodyRaw !== null) diffs.push(...compareBodyRaw(expect.bodyRaw, text, ctx));
  return { diffs, warnings: headers.warnings };
}
