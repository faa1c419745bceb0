/**
 * `site/languages/<code>.php`: read as data (never executed) with the PHP array reader, written in the format Kirby
 * writes (4-space indentation, keys sorted, `NULL` for a missing url, `[\n\n    ]` for an empty array).
 */
import { parsePhpArrayFile, type PhpValue } from "../accounts/php-array.js";
import { ConfigError } from "../errors.js";
import type { Language } from "./types.js";

/** A language code as a file name and content infix: lower-case letters, digits and `-`, 2 to 32 characters. */
export const LANGUAGE_CODE = /^[a-z0-9](?:[a-z0-9-]{0,30})[a-z0-9]$/;

function stringRecord(value: PhpValue | undefined): Record<string, string> {
  if (typeof value === "string") return { LC_ALL: value };
  if (value === null || value === undefined || typeof value !== "object") return {};
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  const record: Record<string, string> = {};
  for (const [key, item] of entries) if (typeof item === "string") record[key] = item;
  return record;
}

function plainRecord(value: PhpValue | undefined): Record<string, unknown> {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return {};
  return { ...value };
}

/**
 * Reads a language file. The code is the file's name (the `code` inside must agree when present).
 *
 * @throws ConfigError when the file is not a PHP array file or its code does not match its name.
 */
export function parseLanguageFile(code: string, text: string): Language {
  const values = parsePhpArrayFile(text);
  const stored = values["code"];
  if (stored !== undefined && String(stored).toLowerCase() !== code) {
    throw new ConfigError(`The language file ${code}.php names the code "${String(stored)}"`);
  }
  const name = values["name"];
  const url = values["url"];
  return Object.freeze({
    code,
    default: values["default"] === true,
    direction: values["direction"] === "rtl" ? "rtl" : "ltr",
    locale: Object.freeze(stringRecord(values["locale"])),
    name: typeof name === "string" && name !== "" ? name : code,
    translations: Object.freeze(plainRecord(values["translations"])),
    url: typeof url === "string" && url !== "" ? url : null,
  });
}

function phpString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function phpKey(key: string): string {
  return /^(?:0|[1-9][0-9]{0,15})$/.test(key) ? key : phpString(key);
}

/** `var_export`-like literal of a value at an indentation. */
function phpLiteral(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  if (typeof value === "string") return phpString(value);
  if (typeof value === "object") {
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value as Record<string, unknown>);
    const inner = `${indent}    `;
    if (entries.length === 0) return `[\n\n${indent}]`;
    const lines = entries.map(([key, item]) => `${inner}${phpKey(key)} => ${phpLiteral(item, inner)}`);
    return `[\n${lines.join(",\n")}\n${indent}]`;
  }
  return "NULL";
}

/** The file's text, byte for byte as Kirby writes it (no newline at the end). */
export function serializeLanguageFile(language: Language): string {
  const values: Record<string, unknown> = {
    code: language.code,
    default: language.default,
    direction: language.direction,
    locale: language.locale,
    name: language.name,
    translations: language.translations,
    url: language.url,
  };
  return `<?php\n\nreturn ${phpLiteral(values, "")};`;
}
