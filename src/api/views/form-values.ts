import { parse as parseYamlText } from "yaml";
import type { Blueprint, BlueprintField } from "../../blueprints/types.js";
import type { ContentFields } from "../../content/types.js";

/**
 * Content as the API shows it (a model's `content` field): blueprint fields first, in blueprint order, each
 * converted to its field type's value; then every other stored key as a string. Empty ⇒ `[]` as PHP encodes it.
 */

const LIST_TYPES = new Set(["tags", "checkboxes", "multiselect"]);
const YAML_LIST_TYPES = new Set(["structure", "pages", "files", "users", "link"]);
const JSON_TYPES = new Set(["blocks", "layout"]);

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Date field value: `Y-m-d H:i:s` (midnight when no time is stored), or "" when empty or unreadable. */
export function dateFieldValue(stored: string): string {
  const text = stored.trim();
  if (text === "") return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (match) {
    const [, y, m, d, hh = "00", mm = "00", ss = "00"] = match;
    return `${y}-${m}-${d} ${hh}:${mm}:${ss}`;
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) return "";
  const date = new Date(parsed);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function splitList(stored: string, separator: string): string[] {
  return stored
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function parseYamlList(stored: string): unknown[] {
  if (stored.trim() === "") return [];
  try {
    const value: unknown = parseYamlText(stored);
    if (Array.isArray(value)) return value;
    return value === null || value === undefined ? [] : [value];
  } catch {
    return [];
  }
}

/** The API value of one field of a given blueprint type. */
export function fieldValue(field: BlueprintField, stored: string | undefined): unknown {
  const value = stored ?? "";
  if (field.type === "date") return dateFieldValue(value);
  if (LIST_TYPES.has(field.type)) {
    const separator = typeof field.props["separator"] === "string" ? (field.props["separator"] as string) : ",";
    return splitList(value, separator);
  }
  if (YAML_LIST_TYPES.has(field.type)) return parseYamlList(value);
  if (JSON_TYPES.has(field.type)) {
    if (value.trim() === "") return [];
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return [];
    }
  }
  if (field.type === "toggle") return ["1", "true", "on", "yes"].includes(value.trim().toLowerCase());
  if (field.type === "number" || field.type === "range") {
    if (value.trim() === "") return "";
    const number = Number(value);
    return Number.isFinite(number) ? number : "";
  }
  if (field.type === "object") {
    if (value.trim() === "") return [];
    try {
      return (parseYamlText(value) as unknown) ?? [];
    } catch {
      return [];
    }
  }
  return value;
}

/** Field types that hold no content (layout helpers). */
const NON_VALUE_TYPES = new Set(["headline", "info", "gap", "line", "hidden"]);

export function formValues(blueprint: Blueprint, content: ContentFields): Record<string, unknown> | [] {
  // a Map, so that keys like `constructor` or `__proto__` are plain keys
  const values = new Map<string, unknown>();
  for (const field of blueprint.fields) {
    if (NON_VALUE_TYPES.has(field.type)) continue;
    values.set(field.name, fieldValue(field, Object.hasOwn(content, field.name) ? content[field.name] : undefined));
  }
  for (const [key, value] of Object.entries(content)) {
    if (!values.has(key)) values.set(key, value);
  }
  return values.size ? Object.fromEntries(values) : [];
}
