/**
 * What a content folder holds: page sub-folders, drafts, content files, media files and the intended template.
 */
import { readdirSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CONTENT_IGNORE } from "../config/options.js";

export const DEFAULT_IGNORE: readonly string[] = Object.freeze([...DEFAULT_CONTENT_IGNORE]);

export const DRAFTS_FOLDER = "_drafts";
const DEFAULT_TEMPLATE = "default";
const NOT_MEDIA_EXTENSIONS: ReadonlySet<string> = new Set(["htm", "html", "php"]);

export interface FolderName {
  num: number | null;
  slug: string;
}

/**
 * Splits a folder name at the first `_`: `3_bulk` ⇒ 3 / `bulk`. The prefix is read the way PHP casts a string to an
 * integer, without checking that it is numeric: `foo_bar` ⇒ 0 / `bar`.
 */
export function parseFolderName(name: string): FolderName {
  const separator = name.indexOf("_");
  if (separator === -1) return { num: null, slug: name };
  return { num: phpIntval(name.slice(0, separator)), slug: name.slice(separator + 1) };
}

const LEADING_NUMBER = /^[ \t\n\r\v\f]*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/;

function phpIntval(text: string): number {
  const match = LEADING_NUMBER.exec(text);
  if (match === null || match[1] === undefined) return 0;
  const value = Math.trunc(Number(match[1]));
  if (Number.isNaN(value)) return 0;
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, value));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Natural order as PHP's `natsort` sees it (case-sensitive): digit runs compare by value (`item-2` < `item-10`);
 * runs with a leading zero compare digit by digit, as fractions would.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);

    if (isDigit(ca) && isDigit(cb)) {
      let endA = i;
      while (endA < a.length && isDigit(a.charCodeAt(endA))) endA++;
      let endB = j;
      while (endB < b.length && isDigit(b.charCodeAt(endB))) endB++;
      const runA = a.slice(i, endA);
      const runB = b.slice(j, endB);

      const fractional = ca === 48 || cb === 48;
      if (!fractional && runA.length !== runB.length) return runA.length < runB.length ? -1 : 1;
      if (runA !== runB) return runA < runB ? -1 : 1;

      i = endA;
      j = endB;
      continue;
    }

    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  return Math.sign(a.length - i - (b.length - j));
}

export interface ReadFolderOptions {
  /** Content file extension without dot (default `txt`). */
  extension?: string;
  /** Names to skip entirely (default {@link DEFAULT_IGNORE}). */
  ignore?: readonly string[];
  /** Content files carry a language code (`note.en.txt`): the template is the name without it. */
  multilang?: boolean;
}

export interface FolderInventory {
  /** Listed and unlisted page folder names. */
  children: string[];
  /** Draft folder names inside `_drafts`. */
  drafts: string[];
  /** Content file names (`note.txt`, `photo.jpg.txt`). */
  contentFiles: string[];
  /** Media file names. */
  files: string[];
  /** Intended template of the folder's own content file. */
  template: string;
}

interface FolderEntries {
  directories: string[];
  files: string[];
}

/** Reads one folder (and its `_drafts` sub-folder). Throws when `dir` itself cannot be read. */
export async function readFolder(dir: string, options: ReadFolderOptions = {}): Promise<FolderInventory> {
  return readFolderSync(dir, options);
}

/**
 * {@link readFolder} with synchronous calls: a listing through the thread pool costs several times the call itself,
 * and a site of 100,000 folders is read folder by folder (callers yield between folders).
 */
export function readFolderSync(dir: string, options: ReadFolderOptions = {}): FolderInventory {
  const extension = (options.extension ?? "txt").toLowerCase();
  const ignore = options.ignore ?? DEFAULT_IGNORE;

  const entries = listEntries(dir, ignore);
  let draftEntries: FolderEntries = { directories: [], files: [] };
  if (entries.directories.includes(DRAFTS_FOLDER)) {
    try {
      draftEntries = listEntries(join(dir, DRAFTS_FOLDER), ignore);
    } catch {
      // removed meanwhile, or not readable: no drafts
    }
  }

  const contentFiles: string[] = [];
  const files: string[] = [];
  for (const name of entries.files) {
    const fileExtension = extensionOf(name);
    if (fileExtension === extension) contentFiles.push(name);
    else if (!NOT_MEDIA_EXTENSIONS.has(fileExtension)) files.push(name);
  }

  return {
    children: entries.directories.filter(isPageFolderName),
    drafts: draftEntries.directories.filter(isPageFolderName),
    contentFiles,
    files,
    template: intendedTemplate(contentFiles, files, extension, options.multilang === true),
  };
}

function isPageFolderName(name: string): boolean {
  return !name.startsWith(".") && !name.startsWith("_");
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** The last content file (natural order) that is not the meta file of a media file; none ⇒ `default`. */
function intendedTemplate(
  contentFiles: readonly string[],
  files: readonly string[],
  extension: string,
  multilang: boolean,
): string {
  const mediaNames = new Set(files);
  let template = DEFAULT_TEMPLATE;
  for (const contentFile of contentFiles) {
    const withLanguage = contentFile.slice(0, contentFile.length - extension.length - 1);
    const dot = withLanguage.lastIndexOf(".");
    const baseName = multilang && dot > 0 ? withLanguage.slice(0, dot) : withLanguage;
    if (!mediaNames.has(baseName)) template = baseName;
  }
  return template;
}

/** Sub-directory and file names (ignored and dot-files removed), each list in natural order. */
function listEntries(dir: string, ignore: readonly string[]): FolderEntries {
  const dirents = readdirSync(dir, { withFileTypes: true });
  const directories: string[] = [];
  const files: string[] = [];
  for (const dirent of dirents) {
    if (ignore.includes(dirent.name)) continue;
    const kind = entryKind(dir, dirent);
    if (kind === "directory") directories.push(dirent.name);
    else if (kind === "file" && !dirent.name.startsWith(".")) files.push(dirent.name);
  }
  // most folders hold one entry or none: no sort needed
  if (directories.length > 1) directories.sort(naturalCompare);
  if (files.length > 1) files.sort(naturalCompare);
  return { directories, files };
}

function entryKind(dir: string, dirent: Dirent): "directory" | "file" | "other" {
  if (dirent.isDirectory()) return "directory";
  if (dirent.isFile()) return "file";
  if (!dirent.isSymbolicLink() && !isUnknownType(dirent)) return "other";
  // Symbolic links are followed; a dangling one (or one removed meanwhile) is skipped.
  try {
    const stats = statSync(join(dir, dirent.name));
    if (stats.isDirectory()) return "directory";
    return stats.isFile() ? "file" : "other";
  } catch {
    return "other";
  }
}

/** Some file systems do not report entry types; every type check is then false. */
function isUnknownType(dirent: Dirent): boolean {
  return (
    !dirent.isFIFO() &&
    !dirent.isSocket() &&
    !dirent.isCharacterDevice() &&
    !dirent.isBlockDevice() &&
    !dirent.isSymbolicLink()
  );
}
