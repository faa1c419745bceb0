/** `Set-Cookie` comparison: per cookie name, in order, with the Max-Age window and the expires tolerance. */

import { HTTP_DATE_PATTERN, matchTemplate, parseTemplate, type TemplateContext } from "./placeholders.js";

export interface CookieAttribute {
  name: string;
  lower: string;
  value: string | null;
}

export interface ParsedCookie {
  name: string;
  value: string;
  attributes: CookieAttribute[];
}

export function parseSetCookie(line: string): ParsedCookie {
  const [first = "", ...rest] = line.split(";");
  const eq = first.indexOf("=");
  const name = (eq === -1 ? first : first.slice(0, eq)).trim();
  const value = eq === -1 ? "" : first.slice(eq + 1).trim();
  const attributes = rest
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const at = part.indexOf("=");
      const attrName = (at === -1 ? part : part.slice(0, at)).trim();
      return { name: attrName, lower: attrName.toLowerCase(), value: at === -1 ? null : part.slice(at + 1).trim() };
    });
  return { name, value, attributes };
}

function attribute(cookie: ParsedCookie, lower: string): CookieAttribute | undefined {
  return cookie.attributes.find((a) => a.lower === lower);
}

/** Parses an IMF-fixdate (or the `06-Nov-1994` form) into epoch milliseconds. */
export function parseHttpDate(text: string): number | null {
  if (!HTTP_DATE_PATTERN.test(text)) return null;
  const time = Date.parse(text.replace(/(\d{2})-([A-Za-z]{3})-(\d{4})/, "$1 $2 $3"));
  return Number.isNaN(time) ? null : time;
}

function isLiteral(template: string): boolean {
  return parseTemplate(template).every((part) => part.type === "literal");
}

/** A deletion cookie: Max-Age ≤ 0 or an expiry in the past. Placeholders are never deletions. */
function isDeletion(cookie: ParsedCookie, now: number): boolean {
  const maxAge = attribute(cookie, "max-age")?.value;
  if (maxAge != null && isLiteral(maxAge) && /^-?\d+$/.test(maxAge) && Number(maxAge) <= 0) return true;
  const expires = attribute(cookie, "expires")?.value;
  if (expires != null && isLiteral(expires)) {
    const time = Date.parse(expires.replace(/(\d{2})-([A-Za-z]{3})-(\d{4})/, "$1 $2 $3"));
    if (!Number.isNaN(time) && time < now) return true;
  }
  return false;
}

export interface CookieContext extends TemplateContext {
  /** When the response arrived (epoch ms). */
  receivedAt: number;
}

function compareOne(expected: ParsedCookie, actual: ParsedCookie, ctx: CookieContext): string[] {
  const problems: string[] = [];
  const expectedDeletion = isDeletion(expected, ctx.receivedAt);
  const actualDeletion = isDeletion(actual, ctx.receivedAt);
  if (expectedDeletion && !actualDeletion) problems.push("expected a deletion cookie, got a live one");
  if (!expectedDeletion && actualDeletion) problems.push("expected a live cookie, got a deletion cookie");
  const deletion = expectedDeletion || actualDeletion;
  if (!deletion) problems.push(...matchTemplate(expected.value, actual.value, ctx).map((p) => `value: ${p}`));

  const expectedNames = new Set(expected.attributes.map((a) => a.lower));
  const actualNames = new Set(actual.attributes.map((a) => a.lower));
  for (const a of expected.attributes) if (!actualNames.has(a.lower)) problems.push(`attribute ${a.name} missing`);
  for (const a of actual.attributes) if (!expectedNames.has(a.lower)) problems.push(`unexpected attribute ${a.name}`);

  for (const want of expected.attributes) {
    const got = attribute(actual, want.lower);
    if (got === undefined || want.value === null) continue;
    const gotValue = got.value ?? "";
    switch (want.lower) {
      case "samesite":
      case "domain":
        if (want.value.toLowerCase() !== gotValue.toLowerCase())
          problems.push(`${want.name}: expected ${want.value}, got ${gotValue}`);
        break;
      case "max-age":
      case "expires":
        if (!deletion) problems.push(...compareLifetime(want, gotValue, actual, ctx));
        break;
      default:
        problems.push(...matchTemplate(want.value, gotValue, ctx).map((p) => `${want.name}: ${p}`));
    }
  }
  return problems;
}

function compareLifetime(want: CookieAttribute, gotValue: string, actual: ParsedCookie, ctx: CookieContext): string[] {
  const template = want.value ?? "";
  if (want.lower === "max-age") {
    if (isLiteral(template)) return template === gotValue ? [] : [`Max-Age: expected ${template}, got ${gotValue}`];
    return matchTemplate(template, gotValue, ctx).map((p) => `Max-Age: ${p}`);
  }
  if (template !== "<http-date>") {
    return matchTemplate(template, gotValue, ctx).map((p) => `expires: ${p}`);
  }
  const time = parseHttpDate(gotValue);
  if (time === null) return [`expires: expected an HTTP date, got ${JSON.stringify(gotValue)}`];
  const maxAge = attribute(actual, "max-age")?.value;
  if (maxAge == null || !/^-?\d+$/.test(maxAge)) return [];
  const target = ctx.receivedAt + Number(maxAge) * 1000;
  const off = Math.round((time - target) / 1000);
  return Math.abs(time - target) <= 10_000
    ? []
    : [`expires: ${gotValue} is ${off} s away from receive time + Max-Age (tolerance ±10 s)`];
}

function groupByName(lines: readonly string[]): Map<string, ParsedCookie[]> {
  const groups = new Map<string, ParsedCookie[]>();
  for (const line of lines) {
    const cookie = parseSetCookie(line);
    const list = groups.get(cookie.name) ?? [];
    list.push(cookie);
    groups.set(cookie.name, list);
  }
  return groups;
}

/** Compares recorded `Set-Cookie` templates with the live ones. Returns readable problems. */
export function compareSetCookies(
  expected: readonly string[],
  actual: readonly string[],
  ctx: CookieContext,
): string[] {
  const problems: string[] = [];
  const want = groupByName(expected);
  const got = groupByName(actual);
  for (const [name, wantList] of want) {
    const gotList = got.get(name) ?? [];
    if (gotList.length === 0) {
      problems.push(
        `set-cookie ${name}: expected ${JSON.stringify(expected.find((l) => parseSetCookie(l).name === name))}, got none`,
      );
      continue;
    }
    if (gotList.length !== wantList.length) {
      problems.push(`set-cookie ${name}: expected ${wantList.length} cookie(s), got ${gotList.length}`);
    }
    const count = Math.min(wantList.length, gotList.length);
    for (let i = 0; i < count; i++) {
      const where = wantList.length > 1 ? `set-cookie ${name}[${i}]` : `set-cookie ${name}`;
      for (const problem of compareOne(wantList[i] as ParsedCookie, gotList[i] as ParsedCookie, ctx))
        problems.push(`${where}: ${problem}`);
    }
  }
  for (const line of actual) {
    const name = parseSetCookie(line).name;
    if (!want.has(name)) problems.push(`set-cookie ${name}: not expected, got ${JSON.stringify(line)}`);
  }
  return problems;
}
