import type { Blueprint, BlueprintField } from "../blueprints/types.js";
import { InvalidArgumentError } from "../errors.js";
import { dateTimeText, parseDateInput, roundedDay } from "./date-input.js";
import { kirbyYaml } from "./kirby-yaml.js";
import { slugify } from "./slug.js";
import type { ContentFields } from "./types.js";

/**
 * API input → the strings stored in a `.txt` file, by field type (the reverse of the API's form values):
 * tags/checkboxes as a comma list, structures as YAML, blocks as JSON, toggles as true/false, dates as Y-m-d.
 */

const LIST_TYPES = new Set(["tags", "checkboxes", "multiselect"]);
const YAML_TYPES = new Set(["structure", "object", "pages", "files", "users", "link"]);
const JSON_TYPES = new Set(["blocks", "layout"]);

/** Content keys as parsed from files: lower-case, `-` and spaces as `_`. */
export function normaliseFieldKey(key: string): string {
  return key.trim().toLowerCase().replace(/[-\s]/g, "_");
}

/** Longest field key a request may send; the file format keeps at most 128 characters of a key anyway. */
export const MAX_FIELD_KEY_LENGTH = 128;
/** Deepest nesting of lists and maps in one field a request may set (deeper ones would exhaust the stack). */
export const MAX_FIELD_VALUE_DEPTH = 64;
/** Longest title a request may set. */
export const MAX_TITLE_LENGTH = 1024;
/** Longest stored text of one field a request may set (1 MiB of characters). */
export const MAX_FIELD_VALUE_LENGTH = 1024 * 1024;

/**
 * The key a field is stored under, as the content file will hold it and the reader will read it back: slugified
 * the way keys are written (`Title!`, `títle` and `TITLE_` are all `title`), with `-` read back as `_`. Permission
 * checks compare this, never the key as sent. Empty when nothing of the key would be written.
 */
export function storedFieldKey(key: string): string {
  return slugify(normaliseFieldKey(key)).replaceAll("-", "_");
}

/**
 * The stored keys of a request's fields, each with its value. Refuses a key longer than MAX_FIELD_KEY_LENGTH
 * (checked before any work on it) and a body where two keys would be stored as one field. Keys that store as
 * nothing are left out.
 *
 * @throws InvalidArgumentError
 */
export function submittedFields(input: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const sentAs = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(input)) {
    if (rawKey.length > MAX_FIELD_KEY_LENGTH) {
      throw new InvalidArgumentError({
        message: `Field names must not be longer than ${MAX_FIELD_KEY_LENGTH} characters`,
      });
    }
    const key = storedFieldKey(rawKey);
    if (key === "") continue;
    const earlier = sentAs.get(key);
    if (earlier !== undefined) {
      throw new InvalidArgumentError({
        message: `The fields "${earlier}" and "${rawKey}" would be stored as the same field "${key}"`,
      });
    }
    sentAs.set(key, rawKey);
    fields.set(key, value);
  }
  return fields;
}

/**
 * Refuses a body that sets a model's UUID: UUIDs are managed by Sheaf (any key spelling stored as `uuid` counts).
 *
 * @throws InvalidArgumentError
 */
export function assertNoUuidChange(fields: ReadonlyMap<string, unknown>): void {
  if (fields.has("uuid")) throw new InvalidArgumentError({ message: "The UUID of a model cannot be changed" });
}

/** How deeply lists and maps nest in a value, counted without recursion; stops once past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** @throws InvalidArgumentError when a title is longer than MAX_TITLE_LENGTH characters. */
export function assertTitleLength(title: string): void {
  if (title.length > MAX_TITLE_LENGTH) {
    throw new InvalidArgumentError({ message: `The title must not be longer than ${MAX_TITLE_LENGTH} characters` });
  }
}

/**
 * A value of a key the blueprint does not define, as Kirby stores it (docs/kirby-compat/content-values.md):
 * booleans as `1`/`0`, numbers in decimal, an empty list or map as an empty value, others as Kirby's YAML.
 */
export function passThroughText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "object") return kirbyYaml(value);
  return String(value);
}

/** Field types whose value is one text: a list or a map for them is refused (Kirby: a 500, deviation zz). */
const TEXT_TYPES = new Set(["text", "textarea", "writer", "email", "url", "tel", "slug", "markdown", "list"]);

/** A text field's value: `true` → `1`, `false`/`null` → empty, numbers in decimal. */
function fieldText(field: BlueprintField, value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value === true) return "1";
  if (typeof value === "object") {
    throw new InvalidArgumentError({
      message: `The "${field.name}" field takes text, not ${Array.isArray(value) ? "a list" : "an object"}`,
    });
  }
  return String(value);
}

/** A date field's value: read like PHP's date parser, rounded to the day without a `time` option; else empty. */
function storedDate(value: unknown, withTime: boolean): string {
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "object") return "";
  const time = parseDateInput(String(value));
  if (time === null) return "";
  return withTime ? dateTimeText(time) : roundedDay(time);
}

function listItems(value: unknown, separator: string): string[] {
  if (value === null || value === undefined || value === false) return [];
  if (Array.isArray(value)) return value.map((item) => passThroughText(item));
  if (typeof value === "object") return Object.values(value).map((item) => passThroughText(item));
  return passThroughText(value).split(separator);
}

/** A value of a blueprint field, normalised by the field's type as an update stores it. */
export function storedValue(field: BlueprintField | undefined, value: unknown): string {
  if (!field) return passThroughText(value);
  if (LIST_TYPES.has(field.type)) {
    const separator = typeof field.props["separator"] === "string" ? (field.props["separator"] as string) : ",";
    return listItems(value, separator)
      .map((item) => item.trim())
      .filter((item) => item !== "")
      .join(`${separator} `);
  }
  if (YAML_TYPES.has(field.type)) return typeof value === "string" ? value : passThroughText(value);
  if (JSON_TYPES.has(field.type)) return typeof value === "string" ? value : JSON.stringify(value ?? []);
  if (field.type === "toggle") {
    if (typeof value === "string") return ["1", "true", "on", "yes"].includes(value.toLowerCase()) ? "true" : "false";
    return value ? "true" : "false";
  }
  if (field.type === "date")
    return storedDate(value, field.props["time"] !== undefined && field.props["time"] !== false);
  if (TEXT_TYPES.has(field.type)) return fieldText(field, value);
  return passThroughText(value);
}

/** Field types that show something in a form but store no value. */
const NO_VALUE_TYPES = new Set(["headline", "info", "gap", "line"]);

/** The blueprint fields that hold a value, in blueprint order. */
export function valueFields(blueprint: Blueprint): BlueprintField[] {
  return blueprint.fields.filter((field) => !NO_VALUE_TYPES.has(field.type));
}

function assertStorable(key: string, value: unknown): void {
  if (key === "title" && typeof value === "string") assertTitleLength(value);
  if (nestingDepth(value, MAX_FIELD_VALUE_DEPTH) > MAX_FIELD_VALUE_DEPTH) {
    throw new InvalidArgumentError({
      message: `The field "${key}" nests lists or maps deeper than ${MAX_FIELD_VALUE_DEPTH} levels`,
    });
  }
}

function assertStoredLength(key: string, stored: string): void {
  if (stored.length > MAX_FIELD_VALUE_LENGTH) {
    throw new InvalidArgumentError({
      message: `The field "${key}" must not be longer than ${MAX_FIELD_VALUE_LENGTH} characters`,
    });
  }
}

export interface MergeOptions {
  /** Write every blueprint field, empty ones as `Key: ` (an update does; a title change does not). */
  readonly allFields?: boolean;
}

/**
 * An update of stored content, as Kirby writes it (docs/kirby-compat/content-values.md#update): keys as they will
 * be stored (see `submittedFields`, which also refuses keys that collide); blueprint fields normalised by their type
 * (`null` empties them); other keys as pass-through values (`null` removes them); every blueprint field written.
 * Order: title, the blueprint fields, the other stored keys in their old order, new keys in body order.
 */
export function mergeContent(
  blueprint: Blueprint,
  current: ContentFields,
  input: Readonly<Record<string, unknown>>,
  { allFields = true }: MergeOptions = {},
): ContentFields {
  const fieldsByName = new Map(valueFields(blueprint).map((field) => [field.name, field]));
  const merged = new Map<string, string>(Object.entries(current));
  for (const [key, value] of submittedFields(input)) {
    assertStorable(key, value);
    const field = fieldsByName.get(key);
    if (!field && (value === null || value === undefined)) {
      merged.delete(key);
      continue;
    }
    const stored = storedValue(field, value);
    assertStoredLength(key, stored);
    merged.set(key, stored);
  }
  if (allFields) for (const name of fieldsByName.keys()) if (!merged.has(name)) merged.set(name, "");
  return orderContent(blueprint, Object.fromEntries(merged));
}

/**
 * The content of a new model, as Kirby writes it on create (docs/kirby-compat/content-values.md#create): every
 * blueprint field (the sent value as a pass-through value, else its default, else empty), then the other sent keys
 * in body order, then the UUID. Sent values are not normalised by their fields.
 */
export function createdContent(
  blueprint: Blueprint,
  input: Readonly<Record<string, unknown>>,
  uuid: string | null,
  now = new Date(),
): ContentFields {
  const sent = submittedFields(input);
  const defaults = fieldDefaults(blueprint, input, now);
  const content = new Map<string, string>();
  const title = sent.get("title");
  if (title !== undefined && title !== null) content.set("title", "");
  for (const field of valueFields(blueprint)) {
    if (!content.has(field.name)) content.set(field.name, "");
    if (Object.hasOwn(defaults, field.name)) content.set(field.name, storedValue(field, defaults[field.name]));
  }
  for (const [key, value] of sent) {
    assertStorable(key, value);
    if (value === null || value === undefined || key === "uuid") continue;
    const stored = passThroughText(value);
    assertStoredLength(key, stored);
    content.set(key, stored);
  }
  if (uuid !== null) content.set("uuid", uuid);
  return Object.fromEntries(content);
}

/** Title first, then the blueprint's fields in blueprint order, then every other key in its order. */
export function orderContent(blueprint: Blueprint, fields: ContentFields): ContentFields {
  // a Map, so that keys like `constructor` are plain keys and never read from or written to a prototype
  const ordered = new Map<string, string>();
  const own = (key: string): string | undefined => (Object.hasOwn(fields, key) ? fields[key] : undefined);
  const title = own("title");
  if (title !== undefined) ordered.set("title", title);
  for (const field of blueprint.fields) {
    const value = own(field.name);
    if (value !== undefined && !ordered.has(field.name)) ordered.set(field.name, value);
  }
  for (const [key, value] of Object.entries(fields)) if (!ordered.has(key)) ordered.set(key, value);
  return Object.fromEntries(ordered);
}

/** Blueprint `default` values of fields a new model did not get (`today`/`now` for dates resolve to the clock). */
export function fieldDefaults(
  blueprint: Blueprint,
  given: Record<string, unknown>,
  now = new Date(),
): Record<string, unknown> {
  const present = new Set(Object.keys(given).map(storedFieldKey));
  const defaults: Record<string, unknown> = {};
  for (const field of blueprint.fields) {
    const value = field.props["default"];
    if (value === undefined || value === null || present.has(field.name)) continue;
    if (field.type === "date" && typeof value === "string" && ["today", "now"].includes(value.toLowerCase())) {
      const iso = now.toISOString();
      defaults[field.name] =
        value.toLowerCase() === "today" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      continue;
    }
    defaults[field.name] = value;
  }
  return defaults;
}
