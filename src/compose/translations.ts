import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { SheafOptions } from "../config/index.js";
import { TRANSLATION_EN } from "../api/views/translation.js";
import { translationFrom, type Translation } from "../api/views/translation-model.js";

/** Longest translation file read; a larger one is skipped with a warning. */
const MAX_FILE_BYTES = 1024 * 1024;
const CODE = /^[a-z]{2,3}(?:_[a-z]{2,4})?$/i;

/** The text keys of a JSON object (string values only), or null when the text is no JSON object. */
function textKeys(json: string): Record<string, string> | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const texts: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, text] of Object.entries(value)) if (typeof text === "string") texts[key] = text;
  return texts;
}

async function translationFiles(
  folder: string,
  warn: (message: string) => void,
): Promise<Map<string, Record<string, string>>> {
  const found = new Map<string, Record<string, string>>();
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const code = name.endsWith(".json") ? name.slice(0, -".json".length) : "";
    if (!CODE.test(code)) continue;
    const file = path.join(folder, name);
    const size = await stat(file).then(
      (info) => (info.isFile() ? info.size : -1),
      () => -1,
    );
    if (size < 0) continue;
    if (size > MAX_FILE_BYTES) {
      warn(`${file}: translations larger than ${MAX_FILE_BYTES} bytes are not read`);
      continue;
    }
    const texts = textKeys(await readFile(file, "utf8"));
    if (texts) found.set(code, texts);
    else warn(`${file}: not a JSON object of texts, left out`);
  }
  return found;
}

/**
 * The interface translations of a site (docs/kirby-compat/routes-and-envelopes.md#system-and-translations): Sheaf's
 * English, plus `site/translations/<code>.json` and the `translations` option in Kirby's key format (the option's
 * keys extend or replace the file's). Sorted by code.
 */
export async function loadTranslations(
  root: string,
  options: Pick<SheafOptions, "translations">,
  warn: (message: string) => void,
): Promise<Translation[]> {
  const english = { "translation.author": TRANSLATION_EN.author, ...TRANSLATION_EN.data };
  const texts = new Map<string, Record<string, string>>([["en", english]]);
  const files = await translationFiles(path.join(root, "site", "translations"), warn);
  for (const [code, keys] of files) texts.set(code, { ...texts.get(code), ...keys });
  for (const [code, keys] of Object.entries(options.translations)) {
    if (CODE.test(code)) texts.set(code, { ...texts.get(code), ...keys });
  }
  return [...texts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, keys]) => translationFrom(code, keys));
}
