/**
 * Placeholders of the golden files: parsing templates, checking and capturing values in responses, and
 * substituting captured values into requests.
 */

export const NUMBERED_KINDS = [
  "session-cookie",
  "session-token",
  "csrf-token",
  "csrf-upper",
  "page-uuid",
  "user-id",
  "unix-ts",
  "unix-ms",
  "iso-date",
  "nonce",
] as const;
export type NumberedKind = (typeof NUMBERED_KINDS)[number];

const TOKEN_FORMAT = "[0-9]{10}\\.[0-9a-f]{20}\\.[0-9a-f]{64}";
const BASE64_FORMAT = "[A-Za-z0-9+/]+={0,2}";
const HTTP_DATE_FORMAT =
  "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2}[ -](?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[ -][0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT";

const FORMATS: Record<NumberedKind, string> = {
  "session-cookie": `[0-9a-f]{40}%2B${TOKEN_FORMAT}`,
  "session-token": TOKEN_FORMAT,
  "csrf-token": "[0-9a-f]{64}",
  "csrf-upper": "[0-9A-F]{64}",
  "page-uuid": "[a-z0-9]{16}",
  "user-id": "[A-Za-z0-9]{8}",
  "unix-ts": "[0-9]{10}",
  "unix-ms": "[0-9]{13}",
  "iso-date":
    "[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?",
  nonce: BASE64_FORMAT,
};

export const HTTP_DATE_PATTERN = new RegExp(`^${HTTP_DATE_FORMAT}$`);

export type TemplatePart =
  | { type: "literal"; text: string }
  | { type: "numbered"; kind: NumberedKind; label: string; text: string }
  | { type: "http-date"; text: string }
  | { type: "max-age"; nominal: number; text: string }
  | { type: "origin"; text: string }
  | { type: "host"; text: string }
  | { type: "nonce"; text: string };

const PLACEHOLDER_PATTERN = new RegExp(
  `<(${NUMBERED_KINDS.join("|")})#([^<>\\s#]+)>|<http-date>|<max-age:(\\d+)>|<origin>|<host>|<nonce>`,
  "g",
);

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const index = match.index;
    if (index > last) parts.push({ type: "literal", text: template.slice(last, index) });
    const text = match[0];
    if (match[1] !== undefined && match[2] !== undefined) {
      parts.push({ type: "numbered", kind: match[1] as NumberedKind, label: match[2], text });
    } else if (match[3] !== undefined) {
      parts.push({ type: "max-age", nominal: Number(match[3]), text });
    } else if (text === "<http-date>") parts.push({ type: "http-date", text });
    else if (text === "<origin>") parts.push({ type: "origin", text });
    else if (text === "<host>") parts.push({ type: "host", text });
    else parts.push({ type: "nonce", text });
    last = index + text.length;
  }
  if (last < template.length) parts.push({ type: "literal", text: template.slice(last) });
  return parts;
}

export function hasPlaceholders(template: string): boolean {
  return parseTemplate(template).some((part) => part.type !== "literal");
}

/** Every numbered placeholder (`kind#label`) that occurs in the strings of a value. */
export function collectNumberedPlaceholders(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const part of parseTemplate(value)) if (part.type === "numbered") into.add(`${part.kind}#${part.label}`);
  } else if (Array.isArray(value)) {
    for (const item of value) collectNumberedPlaceholders(item, into);
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) collectNumberedPlaceholders(item, into);
  }
  return into;
}

/** Replaces the label of numbered placeholders, e.g. `<session-cookie#new>` → `<session-cookie#new@4>`. */
export function relabel(template: string, from: string, to: string): string {
  return parseTemplate(template)
    .map((part) => (part.type === "numbered" && part.label === from ? `<${part.kind}#${to}>` : part.text))
    .join("");
}

export interface ServerAddress {
  origin: string;
  host: string;
}

/**
 * Captured placeholder values of one scenario. A value is bound once; "never set" marks placeholders whose
 * producing response was removed by a deviation or belonged to a skipped step.
 */
export class Bindings {
  private readonly values = new Map<string, string>();
  private readonly neverSet = new Set<string>();

  get(kind: NumberedKind, label: string): string | undefined {
    if (kind === "csrf-upper") return this.values.get(`csrf-token#${label}`)?.toUpperCase();
    return this.values.get(`${kind}#${label}`);
  }

  isNeverSet(kind: NumberedKind, label: string): boolean {
    const key = kind === "csrf-upper" ? `csrf-token#${label}` : `${kind}#${label}`;
    return this.neverSet.has(key) && !this.values.has(key);
  }

  markNeverSet(kind: NumberedKind, label: string): void {
    if (this.get(kind, label) !== undefined) return;
    this.neverSet.add(`${kind}#${label}`);
    if (kind === "session-cookie") this.neverSet.add(`session-token#${label}`);
  }

  entries(): [string, string][] {
    return [...this.values.entries()];
  }

  /**
   * Checks a live value against the binding rules and binds it. Returns the problems (empty when accepted):
   * same label must mean the same value, a new label a value that no other label of the kind holds.
   */
  accept(kind: NumberedKind, label: string, value: string): string[] {
    if (kind === "csrf-upper") {
      const token = this.get("csrf-upper", label);
      return token === undefined || token === value
        ? []
        : [`<csrf-upper#${label}> must be <csrf-token#${label}> upper-cased`];
    }
    const problems = this.acceptOne(kind, label, value);
    if (problems.length === 0 && kind === "session-cookie") {
      const token = value.slice(value.indexOf("%2B") + 3);
      problems.push(...this.acceptOne("session-token", label, token));
    }
    return problems;
  }

  private acceptOne(kind: NumberedKind, label: string, value: string): string[] {
    const key = `${kind}#${label}`;
    const bound = this.values.get(key);
    if (bound !== undefined) {
      return bound === value
        ? []
        : [`<${key}> must be the same value as captured before (${shorten(bound)}), got ${shorten(value)}`];
    }
    for (const [otherKey, otherValue] of this.values) {
      if (otherKey.startsWith(kind + "#") && otherValue === value) {
        return [`<${key}> must differ from <${otherKey}>, got the same value ${value}`];
      }
    }
    this.values.set(key, value);
    this.neverSet.delete(key);
    return [];
  }
}

export interface TemplateContext extends ServerAddress {
  bindings: Bindings;
  /** Seconds since the scenario's first request, for the `<max-age:N>` window. */
  ageSeconds: number;
}

function shorten(value: string): string {
  return value.length > 60 ? value.slice(0, 60) + "…" : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The template with bound placeholders, origin and host filled in (unbound ones stay as written). */
function renderTemplate(template: string, ctx: { bindings: Bindings } & ServerAddress): string {
  return parseTemplate(template)
    .map((part) => {
      if (part.type === "numbered") return ctx.bindings.get(part.kind, part.label) ?? part.text;
      if (part.type === "origin") return ctx.origin;
      if (part.type === "host") return ctx.host;
      return part.text;
    })
    .join("");
}

/** "where they first differ" for two strings. */
export function describeStringDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const from = Math.max(0, i - 20);
  const show = (s: string) =>
    JSON.stringify((from > 0 ? "…" : "") + s.slice(from, i + 30) + (s.length > i + 30 ? "…" : ""));
  return `first difference at character ${i}: expected ${show(expected)}, got ${show(actual)}`;
}

function formatExpectedGot(expected: string, actual: string): string {
  if (expected.length <= 80 && actual.length <= 80)
    return `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  return describeStringDifference(expected, actual);
}

/**
 * Matches a live string against a template with placeholders, capturing numbered placeholders into the
 * bindings. Returns the problems; nothing is bound when the shape does not match.
 */
export function matchTemplate(template: string, actual: string, ctx: TemplateContext): string[] {
  const parts = parseTemplate(template);
  if (parts.every((part) => part.type === "literal")) {
    return template === actual ? [] : [formatExpectedGot(template, actual)];
  }
  let source = "^";
  const groups: TemplatePart[] = [];
  for (const part of parts) {
    switch (part.type) {
      case "literal":
        source += escapeRegExp(part.text);
        break;
      case "origin":
        source += escapeRegExp(ctx.origin);
        break;
      case "host":
        source += escapeRegExp(ctx.host);
        break;
      case "numbered":
        source += `(${FORMATS[part.kind]})`;
        groups.push(part);
        break;
      case "http-date":
        source += `(${HTTP_DATE_FORMAT})`;
        groups.push(part);
        break;
      case "max-age":
        source += "(-?[0-9]+)";
        groups.push(part);
        break;
      case "nonce":
        source += `(${BASE64_FORMAT})`;
        groups.push(part);
        break;
    }
  }
  const match = new RegExp(source + "$").exec(actual);
  if (!match) return [formatExpectedGot(renderTemplate(template, ctx), actual)];
  const problems: string[] = [];
  groups.forEach((part, i) => {
    const value = match[i + 1] ?? "";
    if (part.type === "numbered") problems.push(...ctx.bindings.accept(part.kind, part.label, value));
    if (part.type === "max-age") {
      const low = part.nominal - ctx.ageSeconds - 2;
      const high = part.nominal + 2;
      const got = Number(value);
      if (got < low || got > high) {
        problems.push(`${got} is outside the ${part.text} window ${Math.ceil(low)}…${high}`);
      }
    }
  });
  return problems;
}

export interface MissingPlaceholder {
  placeholder: string;
  neverSet: boolean;
}

export type Substitution = { ok: true; value: string } | { ok: false; missing: MissingPlaceholder };

/** Fills a request template with captured values. */
export function substitute(template: string, bindings: Bindings, server: ServerAddress): Substitution {
  let value = "";
  for (const part of parseTemplate(template)) {
    if (part.type === "numbered") {
      const bound = bindings.get(part.kind, part.label);
      if (bound === undefined) {
        return { ok: false, missing: { placeholder: part.text, neverSet: bindings.isNeverSet(part.kind, part.label) } };
      }
      value += bound;
    } else if (part.type === "origin") value += server.origin;
    else if (part.type === "host") value += server.host;
    else value += part.text;
  }
  return { ok: true, value };
}
