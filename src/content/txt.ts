/**
 * The `.txt` content format: `Key: value` fields separated by lines of four dashes.
 * Reading is forgiving (BOM, CRLF, odd keys); writing is canonical so files stay diff-friendly.
 */
import { stringify as stringifyYaml } from "yaml";
import type { ContentFields } from "./types.js";
import { fieldKeyToFileKey, trimChars } from "./slug.js";

const BYTE_ORDER_MARK = "\uFEFF";
const FIELD_SEPARATOR = "\n\n----\n\n";

/**
 * A line starting with four dashes ends a field. Only ASCII whitespace and newlines after the dashes are swallowed,
 * so a fifth dash ends up at the start of the next key.
 */
const FIELD_DIVIDER = /\n----[ \t\n\v\f\r]*\n*/;

const ESCAPED_DIVIDER = /(?<=^|\n)\\----/g;
const UNESCAPED_DIVIDER = /(?<=^|\n)----/g;
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085]/;

export function parseTxt(text: string): ContentFields {
  const source = text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
  const fields = new Map<string, string>();

  for (const chunk of source.split(FIELD_DIVIDER)) {
    const colon = chunk.indexOf(":");
    if (colon <= 0) continue;

    const key = normaliseKey(chunk.slice(0, colon));
    if (key === "") continue;

    const value = trimChars(chunk.slice(colon + 1)).replace(ESCAPED_DIVIDER, "----");
    fields.set(key, value);
  }

  // fromEntries defines own properties, so a key like `__proto__` cannot touch the prototype.
  return Object.fromEntries(fields);
}

/** `Text-with-Dashes ` ⇒ `text_with_dashes`. Lower-cases ASCII letters only, as the reference implementation does. */
function normaliseKey(rawKey: string): string {
  return trimChars(rawKey)
    .replace(/[A-Z]/g, (letter) => letter.toLowerCase())
    .replace(/[- ]/g, "_");
}

export function serializeTxt(fields: Record<string, unknown>): string {
  const encoded = new Map<string, string>();

  for (const [key, value] of Object.entries(fields)) {
    if (key === "" || value === null || value === undefined) continue;

    const fileKey = fieldKeyToFileKey(key);
    if (fileKey === "") continue;

    // Map.set keeps the position of the first occurrence: keys that collapse to the same name keep their first slot.
    encoded.set(fileKey, encodeField(fileKey, encodeValue(value)));
  }

  return [...encoded.values()].join(FIELD_SEPARATOR);
}

function encodeValue(value: unknown): string {
  return valueToString(value).replace(UNESCAPED_DIVIDER, "\\----");
}

function valueToString(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "1" : "0";
    case "number":
    case "bigint":
      return String(value);
    case "object":
      return value === null ? "" : encodeStructure(value);
    default:
      return String(value);
  }
}

function encodeStructure(value: object): string {
  if (value instanceof Date) return value.toISOString();
  const isEmpty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
  return isEmpty ? "" : stringifyYaml(value);
}

function encodeField(fileKey: string, value: string): string {
  const separator = LINE_BREAK.test(value) ? ":\n\n" : ": ";
  return fileKey + separator + trimChars(value);
}
