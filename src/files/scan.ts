/**
 * Reads the media files of one content folder: size and times, the meta file `<filename>.<ext>` and image
 * dimensions. Called by the content index for every folder it (re)reads.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { imageSizeFromFile } from "image-size/fromFile";
import { parseTxt } from "../content/txt.js";
import type { ContentFields } from "../content/types.js";
import { extensionOf, isMeasured } from "./file-types.js";
import type { ImageDimensions, MediaFile } from "./types.js";

const NO_FIELDS: ContentFields = Object.freeze({});

/** A language code as it appears in a meta file name (`a.png.de.txt`): a plain name, never `__proto__`. */
const LANGUAGE_CODE = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * The language codes of the meta files among a folder's content files, by file name: `a.png.de.txt` ⇒
 * `a.png` → [`de`]. Built once per folder, so reading the translations of n files costs O(n).
 */
export function metaLanguages(contentFiles: readonly string[], contentExtension: string): Map<string, string[]> {
  const suffix = `.${contentExtension}`;
  const byFile = new Map<string, string[]>();
  for (const name of contentFiles) {
    if (!name.endsWith(suffix)) continue;
    const withCode = name.slice(0, name.length - suffix.length);
    const dot = withCode.lastIndexOf(".");
    if (dot <= 0) continue;
    const code = withCode.slice(dot + 1);
    if (!LANGUAGE_CODE.test(code)) continue;
    const filename = withCode.slice(0, dot);
    const codes = byFile.get(filename);
    if (codes === undefined) byFile.set(filename, [code]);
    else codes.push(code);
  }
  return byFile;
}

/**
 * The media files of `dir` (names from the folder inventory), in the given order; vanished files are left out.
 * With `languages` (a multi-language site), each file's `<filename>.<code>.<ext>` meta files are read too.
 */
export async function readMediaFiles(
  dir: string,
  names: readonly string[],
  contentExtension: string,
  languages?: ReadonlyMap<string, readonly string[]>,
): Promise<readonly MediaFile[]> {
  const files = await Promise.all(
    names.map((name) => readMediaFile(dir, name, contentExtension, languages?.get(name) ?? [])),
  );
  return Object.freeze(files.filter((file): file is MediaFile => file !== null));
}

export async function readMediaFile(
  dir: string,
  filename: string,
  contentExtension: string,
  languageCodes: readonly string[] = [],
): Promise<MediaFile | null> {
  const root = join(dir, filename);
  const metaFile = `${root}.${contentExtension}`;
  let fileStats: Awaited<ReturnType<typeof stat>>;
  try {
    fileStats = await stat(root);
  } catch {
    return null;
  }
  if (!fileStats.isFile()) return null;
  const [meta, metaMtimeMs] = await readMeta(metaFile);
  let translations: Record<string, ContentFields> | undefined;
  let newestMeta = metaMtimeMs;
  for (const code of languageCodes) {
    const [fields, mtimeMs] = await readMeta(`${root}.${code}.${contentExtension}`);
    translations ??= {};
    translations[code] = fields;
    newestMeta = Math.max(newestMeta, mtimeMs);
  }
  return Object.freeze({
    ...(translations ? { translations: Object.freeze(translations) } : {}),
    filename,
    root,
    metaFile,
    size: Number(fileStats.size),
    mtimeMs: Number(fileStats.mtimeMs),
    modifiedMs: Math.max(Number(fileStats.mtimeMs), newestMeta),
    meta,
    dimensions: isMeasured(extensionOf(filename)) ? await measure(root) : null,
  });
}

async function readMeta(metaFile: string): Promise<[ContentFields, number]> {
  try {
    const [text, metaStats] = await Promise.all([readFile(metaFile, "utf8"), stat(metaFile)]);
    return [Object.freeze(parseTxt(text)), metaStats.mtimeMs];
  } catch {
    return [NO_FIELDS, 0];
  }
}

async function measure(path: string): Promise<ImageDimensions | null> {
  try {
    const { width, height } = await imageSizeFromFile(path);
    return width > 0 && height > 0 ? Object.freeze({ width, height }) : null;
  } catch {
    return null;
  }
}
