import { InvalidArgumentError } from "../../errors.js";
import { categoryName } from "../../languages/locale.js";
import type { LanguageInput } from "../../languages/types.js";
import type { Params } from "../context.js";

/** Caps on what a language may hold (the file is read at every start). */
const MAX_NAME_LENGTH = 256;
const MAX_URL_LENGTH = 2048;
const MAX_LOCALE_ENTRIES = 16;
const MAX_LOCALE_LENGTH = 128;
const MAX_TRANSLATIONS_BYTES = 256 * 1024;

function tooLong(field: string, max: number): InvalidArgumentError {
  return new InvalidArgumentError({ message: `The language ${field} must not be longer than ${max} characters` });
}

function localeInput(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    if (value.length > MAX_LOCALE_LENGTH) throw tooLong("locale", MAX_LOCALE_LENGTH);
    return { LC_ALL: value };
  }
  if (typeof value !== "object") throw new InvalidArgumentError({ message: "Invalid locale" });
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  if (entries.length > MAX_LOCALE_ENTRIES) throw new InvalidArgumentError({ message: "Invalid locale" });
  const locale: Record<string, string> = {};
  for (const [key, item] of entries) {
    const name = categoryName(String(key));
    if (name === null || typeof item !== "string" || item.length > MAX_LOCALE_LENGTH) {
      throw new InvalidArgumentError({ message: "Invalid locale" });
    }
    locale[name] = item;
  }
  return locale;
}

function translationsInput(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.length === 0) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError({ message: "The translations must be a map of keys to texts" });
  }
  const translations: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== "string") {
      throw new InvalidArgumentError({ message: "The translations must be a map of keys to texts" });
    }
    translations[key] = item;
  }
  if (JSON.stringify(translations).length > MAX_TRANSLATIONS_BYTES) {
    throw new InvalidArgumentError({ message: "The translations are too large" });
  }
  return translations;
}

function booleanInput(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  return value === true || value === "true" || value === 1 || value === "1";
}

/** What a create or update body sets; absent fields stay undefined. */
export function languageInput(body: Params): LanguageInput {
  const name = body.string("name");
  if (name !== undefined && name.length > MAX_NAME_LENGTH) throw tooLong("name", MAX_NAME_LENGTH);
  const url = body.get("url");
  if (typeof url === "string" && url.length > MAX_URL_LENGTH) throw tooLong("url", MAX_URL_LENGTH);
  const direction = body.string("direction");
  const locale = localeInput(body.get("locale"));
  const translations = translationsInput(body.get("translations"));
  const isDefault = booleanInput(body.get("default"));
  const trimmedName = name?.trim();
  if (trimmedName === "") {
    throw new InvalidArgumentError({ key: "language.name", message: "Please enter a valid name for the language" });
  }
  return {
    ...(trimmedName ? { name: trimmedName } : {}),
    ...(direction !== undefined ? { direction: direction === "rtl" ? "rtl" : "ltr" } : {}),
    ...(locale !== undefined ? { locale } : {}),
    ...(translations !== undefined ? { translations } : {}),
    ...(isDefault !== undefined ? { default: isDefault } : {}),
    ...(url === null || url === "" ? { url: null } : typeof url === "string" ? { url } : {}),
  };
}
