import { stringify as stringifyYaml } from "yaml";
import type { Blueprint, BlueprintField } from "../blueprints/types.js";
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

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return stringifyYaml(value).trimEnd();
}

function storedDate(value: unknown, withTime: boolean): string {
  const text = scalarText(value).trim();
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?/.exec(text);
  if (!match) return text;
  if (!withTime) return match[1] as string;
  const time = match[2] ?? "00:00:00";
  return `${match[1]} ${time.length === 5 ? `${time}:00` : time}`;
}

export function storedValue(field: BlueprintField | undefined, value: unknown): string {
  if (!field) return scalarText(value);
  if (LIST_TYPES.has(field.type)) {
    const separator = typeof field.props["separator"] === "string" ? (field.props["separator"] as string) : ",";
    const items = Array.isArray(value) ? value : scalarText(value).split(separator);
    return items.map((item) => scalarText(item).trim()).filter((item) => item !== "").join(`${separator} `);
  }
  if (YAML_TYPES.has(field.type)) return typeof value === "string" ? value : value == null ? "" : stringifyYaml(value).trimEnd();
  if (JSON_TYPES.has(field.type)) return typeof value === "string" ? value : JSON.stringify(value ?? []);
  if (field.type === "toggle") {
    if (typeof value === "string") return ["1", "true", "on", "yes"].includes(value.toLowerCase()) ? "true" : "false";
    return value ? "true" : "false";
  }
  if (field.type === "date") return storedDate(value, field.props["time"] !== undefined && field.props["time"] !== false);
  return scalarText(value);
}

/**
 * Merges input into stored content: keys normalised, `null`/`undefined` values leave the stored value as it is,
 * values converted by field type. Order: title, blueprint fields, other stored keys, uuid last.
 */
export function mergeContent(blueprint: Blueprint, current: ContentFields, input: Record<string, unknown>): ContentFields {
  const fieldsByName = new Map(blueprint.fields.map((field) => [field.name, field]));
  const merged: Record<string, string> = { ...current };
  for (const [rawKey, value] of Object.entries(input)) {
    if (value === null || value === undefined) continue;
    const key = normaliseFieldKey(rawKey);
    if (key === "") continue;
    merged[key] = storedValue(fieldsByName.get(key), value);
  }
  return orderContent(blueprint, merged);
}

export function orderContent(blueprint: Blueprint, fields: ContentFields): ContentFields {
  const ordered: Record<string, string> = {};
  if (fields["title"] !== undefined) ordered["title"] = fields["title"];
  for (const field of blueprint.fields) {
    const value = fields[field.name];
    if (value !== undefined && !(field.name in ordered)) ordered[field.name] = value;
  }
  for (const [key, value] of Object.entries(fields)) if (!(key in ordered) && key !== "uuid") ordered[key] = value;
  if (fields["uuid"] !== undefined) ordered["uuid"] = fields["uuid"];
  return ordered;
}

/** Blueprint `default` values of fields a new model did not get (`today`/`now` for dates resolve to the clock). */
export function fieldDefaults(blueprint: Blueprint, given: Record<string, unknown>, now = new Date()): Record<string, unknown> {
  const present = new Set(Object.keys(given).map(normaliseFieldKey));
  const defaults: Record<string, unknown> = {};
  for (const field of blueprint.fields) {
    const value = field.props["default"];
    if (value === undefined || value === null || present.has(field.name)) continue;
    if (field.type === "date" && typeof value === "string" && ["today", "now"].includes(value.toLowerCase())) {
      const iso = now.toISOString();
      defaults[field.name] = value.toLowerCase() === "today" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      continue;
    }
    defaults[field.name] = value;
  }
  return defaults;
}
