import { Kind, type TSchema } from "@sinclair/typebox";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { isPlainObject } from "./reader.js";
import { closest } from "./suggest.js";

/** Checking a value against a schema block: every problem at once, each with its option path; unknown keys. */

export interface ConfigProblem {
  /** The option (`api.basicAuth`, `trustedProxies[1]`) or variable the problem is with. */
  readonly path: string;
  /** `option "api.basicAuth"`, `environment variable "SHEAF_PORT"`. */
  readonly subject: string;
  readonly expected: string;
  readonly got: string;
}

export function problemText(problem: ConfigProblem): string {
  return `Invalid ${problem.subject}: expected ${problem.expected}, got ${problem.got}`;
}

export function describeValue(value: unknown, secret = false): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (secret) return `a ${typeof value} (not shown)`;
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "object") return "a map";
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(value)}`;
}

/** `/api/basicAuth` ⇒ `api.basicAuth`; `/trustedProxies/1` ⇒ `trustedProxies[1]`. */
export function optionPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = /^\d+$/.test(segment) && path !== "" ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment;
  }
  return path;
}

/** The one map or list block of a union a wrong map or list was meant for, so its own problems can be named. */
function containerVariant(union: TSchema, value: unknown): TSchema | undefined {
  const variants = (union["anyOf"] ?? []) as TSchema[];
  const kinds = isPlainObject(value) ? ["Object", "Record"] : Array.isArray(value) ? ["Array"] : [];
  const candidates = variants.filter((variant) => kinds.includes(variant[Kind] as string));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * Every problem of `value` (defaults already filled in) against `schema`, one per option, in the order of the
 * schema. `subject` names an option path (`option "api.slug"`) so callers can say where a value came from.
 */
export function collectProblems(
  schema: TSchema,
  value: unknown,
  subject: (path: string) => string,
  base = "",
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const paths: string[] = [];
  const covered = (path: string): boolean =>
    paths.some((known) => path === known || path.startsWith(`${known}.`) || path.startsWith(`${known}[`));
  for (const error of Value.Errors(schema, value)) {
    const path = optionPath(base, error.path);
    if (covered(path) || error.type === ValueErrorType.ObjectRequiredProperty) continue;
    paths.push(path);
    const variant = error.type === ValueErrorType.Union ? containerVariant(error.schema, error.value) : undefined;
    const nested = variant
      ? collectProblems(variant, Value.Default(variant, Value.Clone(error.value)), subject, path)
      : [];
    if (nested.length) {
      problems.push(...nested);
      continue;
    }
    const additional = error.type === ValueErrorType.ObjectAdditionalProperties;
    problems.push({
      path,
      subject: subject(path),
      expected:
        (error.schema["expected"] as string | undefined) ?? error.message.replace(/^Expected /, "").toLowerCase(),
      got: additional
        ? `the key ${JSON.stringify(path.split(".").pop())}`
        : describeValue(error.value, error.schema["secret"] === true),
    });
  }
  return problems;
}

/** The map block of an option: an object schema itself, or the one object variant of a union (`api`, `cors`). */
function mapBlock(schema: TSchema, value: unknown): TSchema | undefined {
  if (!isPlainObject(value)) return undefined;
  if (schema[Kind] === "Object") return schema;
  if (schema[Kind] !== "Union") return undefined;
  const variants = ((schema["anyOf"] ?? []) as TSchema[]).filter((variant) => variant[Kind] === "Object");
  return variants.length === 1 ? variants[0] : undefined;
}

/**
 * Keys the schema does not know, as warnings (Kirby ignores them, so they never stop a start), with the nearest
 * known name. Kirby options without effect here (`ignored`) pass silently, and so do unknown top-level maps that
 * resemble no option: that is how plugin options look (`"acme.plugin.key"` is `{ acme: { plugin: … } }`).
 */
export function unknownKeyWarnings(schema: TSchema, value: unknown, ignored: ReadonlySet<string>, base = ""): string[] {
  const block = mapBlock(schema, value);
  if (!block || !isPlainObject(value)) return [];
  const properties = block["properties"] as Record<string, TSchema>;
  const known = Object.keys(properties);
  const warnings: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = base ? `${base}.${key}` : key;
    const property = properties[key];
    if (property) {
      warnings.push(...unknownKeyWarnings(property, child, ignored, path));
      continue;
    }
    if (ignored.has(path)) continue;
    const suggestion = closest(key, known);
    if (!base && !suggestion && isPlainObject(child)) continue;
    const hint = suggestion ? `; did you mean "${base ? `${base}.` : ""}${suggestion}"?` : "";
    warnings.push(`Unknown option "${path}" is ignored${hint}`);
  }
  return warnings;
}

/**
 * Where a config says `null`, Kirby reads the default (`$options[$key] ?? $default`); a block may say that an
 * explicit null means something else (`nullMeans`). Changes `value` in place.
 */
export function settleNulls(schema: TSchema, value: unknown): void {
  const block = mapBlock(schema, value);
  if (!block || !isPlainObject(value)) return;
  const properties = block["properties"] as Record<string, TSchema>;
  for (const [key, child] of Object.entries(value)) {
    const property = properties[key];
    if (!property) continue;
    if (child !== null) settleNulls(property, child);
    else if ("nullMeans" in property) value[key] = Value.Clone(property["nullMeans"]);
    else delete value[key];
  }
}

/** Freezes a value and everything it holds, so options cannot change after the start. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The dotted path of every option a schema declares, for the options reference: maps are walked, as is the one map
 * of a union (`api: false | {…}`); a block marked `leaf` is one option however it may be written.
 */
export function optionPaths(schema: TSchema, base = ""): string[] {
  const block =
    schema["leaf"] === true
      ? undefined
      : schema[Kind] === "Object"
        ? schema
        : schema[Kind] === "Union"
          ? ((schema["anyOf"] ?? []) as TSchema[]).find((variant) => variant[Kind] === "Object")
          : undefined;
  if (!block) return base ? [base] : [];
  return Object.entries(block["properties"] as Record<string, TSchema>).flatMap(([key, property]) =>
    optionPaths(property, base ? `${base}.${key}` : key),
  );
}
