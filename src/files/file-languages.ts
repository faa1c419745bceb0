/**
 * Files of a multi-language site seen in one language (docs/files.md#languages): the meta file of a language is
 * `<filename>.<code>.<ext>`; the default language's holds the file's fields (and its `Uuid`), another language's
 * fields overwrite them field by field, and a write in a language goes to that language's meta file.
 */
import type { MediaFile } from "./types.js";

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Lists made per (immutable) source list and language, so a snapshot's files are mapped once per language. */
const made = new WeakMap<readonly MediaFile[], Map<string, readonly MediaFile[]>>();

/**
 * The files as seen in language `code`. `fallback` false: the default language (its meta file alone); true: another
 * language, whose fields overwrite those of the files' current `meta` (the default language's).
 */
export function mediaInLanguage(
  media: readonly MediaFile[],
  code: string,
  extension: string,
  fallback: boolean,
): readonly MediaFile[] {
  let byKey = made.get(media);
  if (byKey === undefined) {
    byKey = new Map();
    made.set(media, byKey);
  }
  const key = `${fallback ? "+" : "="}${code}`;
  let result = byKey.get(key);
  if (result === undefined) {
    result = Object.freeze(media.map((file) => fileInLanguage(file, code, extension, fallback)));
    byKey.set(key, result);
  }
  return result;
}

function fileInLanguage(file: MediaFile, code: string, extension: string, fallback: boolean): MediaFile {
  const own =
    file.translations !== undefined && Object.hasOwn(file.translations, code) ? file.translations[code] : undefined;
  const meta = fallback ? (own === undefined ? file.meta : Object.freeze({ ...file.meta, ...own })) : (own ?? EMPTY);
  return Object.freeze({ ...file, meta, metaFile: `${file.root}.${code}.${extension}` });
}

/** Every meta file a file may have: `<filename>.<ext>` and one per language it has a meta file in. */
export function metaFilesOf(file: MediaFile, extension: string): string[] {
  const files = new Set([file.metaFile, `${file.root}.${extension}`]);
  for (const code of Object.keys(file.translations ?? {})) files.add(`${file.root}.${code}.${extension}`);
  return [...files];
}
