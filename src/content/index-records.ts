/**
 * The content index's data: per-folder records as read from disk, how a change invalidates them, how folders are
 * (re)read, and how a snapshot of Page objects is built from the records.
 */
import { readFileSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import { basename, dirname, join, sep } from "node:path";
import { DRAFTS_FOLDER, parseFolderName, readFolderSync, type FolderInventory } from "./inventory.js";
import { parseTxt } from "./txt.js";
import type { ContentFields, ContentLanguages, Page, PageStatus, Site } from "./types.js";
import { metaLanguages, readMediaFiles } from "../files/scan.js";
import { mediaInLanguage } from "../files/file-languages.js";
import type { FileLocation, MediaFile } from "../files/types.js";

/** Longest stretch of synchronous reading before other work (requests, timers) gets a turn. */
const SLICE_MS = 10;
/** Error codes meaning "this folder or file is not there (any more)". */
const GONE_CODES: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
/** Error codes of a folder or file that exists but cannot be read; it is left out rather than blocking updates. */
const UNREADABLE_CODES: ReadonlySet<string> = new Set(["EACCES", "EPERM"]);

/** What one folder (the content root or a page folder) holds, as last read from disk. */
export interface FolderRecord {
  /** The folder's path: the same string as its key in the records, which pages share rather than build again. */
  readonly dir: string;
  readonly inventory: FrozenInventory;
  readonly content: ContentFields;
  /** The folder's media files with their meta files. */
  readonly media: readonly MediaFile[];
  /** Multi-language sites: the content of each `<name>.<code>.<ext>` file, by code. */
  readonly translations?: Readonly<Record<string, ContentFields>>;
}

export type FrozenInventory = {
  readonly [K in keyof FolderInventory]: FolderInventory[K] extends string[] ? readonly string[] : FolderInventory[K];
};

/** Folder records keyed by absolute folder path. */
export type RecordCache = Map<string, FolderRecord>;

export interface Snapshot {
  readonly site: Site;
  readonly pagesById: ReadonlyMap<string, Page>;
  readonly pages: readonly Page[];
  readonly records: RecordCache;
  /** File locations by meta `Uuid` (lower-case). */
  readonly filesByUuid: ReadonlyMap<string, FileLocation>;
}

/**
 * A path reported as changed. `deep` discards everything cached below it (a folder that may have been replaced);
 * otherwise only the folder itself and the folder listing it are re-read.
 */
export interface Change {
  readonly path: string;
  readonly deep: boolean;
}

export interface ResolvedOptions {
  readonly root: string;
  readonly extension: string;
  readonly ignore: readonly string[];
  readonly languages?: ContentLanguages;
}

export function normaliseId(id: string): string {
  return id.toLowerCase();
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Dot-files and -folders, ignored names and underscore folders other than `_drafts` cannot change the index. */
export function isIndexedName(name: string, ignore: readonly string[]): boolean {
  if (name.startsWith(".") || ignore.includes(name)) return false;
  return !name.startsWith("_") || name === DRAFTS_FOLDER;
}

/** Copy of `records` without the folders the changes may have touched; those are read again. */
export function invalidate(records: RecordCache, root: string, changes: readonly Change[]): RecordCache {
  const reusable = new Map(records);
  for (const change of changes) {
    if (change.path === root) {
      reusable.delete(root);
      continue;
    }
    if (change.deep && (records.has(change.path) || basename(change.path) === DRAFTS_FOLDER)) {
      const prefix = change.path + sep;
      for (const dir of records.keys()) {
        if (dir === change.path || dir.startsWith(prefix)) reusable.delete(dir);
      }
    } else {
      reusable.delete(change.path);
    }
    reusable.delete(owningFolder(records, root, dirname(change.path)));
  }
  return reusable;
}

/** The nearest folder with a record at or above `dir` (`_drafts` and unknown folders belong to their parent). */
export function owningFolder(records: RecordCache, root: string, dir: string): string {
  let current = dir;
  while (current !== root && isInside(root, current) && !records.has(current)) current = dirname(current);
  return isInside(root, current) ? current : root;
}

// Reading folders into records

export async function buildSnapshot(options: ResolvedOptions, reusable: RecordCache): Promise<Snapshot> {
  const records = await loadRecords(options, reusable);
  return materialise(options, records);
}

/**
 * Reads every folder below the root that `reusable` does not hold. Listing folders and reading content files are
 * synchronous calls made in slices of SLICE_MS, with other work let in between: through the thread pool each would
 * cost several round trips, and a site of 100,000 folders would take minutes instead of seconds.
 */
export async function loadRecords(options: ResolvedOptions, reusable: RecordCache): Promise<RecordCache> {
  const records: RecordCache = new Map();
  const { root } = options;

  const rootRecord = reusable.get(root) ?? (await scanFolder(options, root, true));
  records.set(root, rootRecord);

  // depth-first, in inventory order, so that records come out in the order pages are built
  const pending: string[] = childFolders(root, rootRecord).reverse();
  let sliceStart = performance.now();
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let record = reusable.get(dir);
    if (record === undefined) {
      try {
        record = await scanFolder(options, dir, false);
      } catch (error) {
        // Removed between reading its parent and reading it: the next notice fixes the parent's listing.
        if (isGone(error) || isUnreadable(error)) continue;
        throw error;
      }
    }
    records.set(record.dir, record);
    const below = childFolders(dir, record);
    for (let i = below.length - 1; i >= 0; i--) pending.push(below[i] as string);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return records;
}

export function childFolders(dir: string, record: FolderRecord): string[] {
  const { children, drafts } = record.inventory;
  return [...children.map((name) => join(dir, name)), ...drafts.map((name) => join(dir, DRAFTS_FOLDER, name))];
}

export async function scanFolder(options: ResolvedOptions, dir: string, isRoot: boolean): Promise<FolderRecord> {
  // `languages: true` without any language yet keeps single-language files (`note.txt`, `photo.jpg.txt`)
  const multilang = (options.languages?.defaultCode() ?? null) !== null;
  const inventory = readFolderSync(dir, { extension: options.extension, ignore: options.ignore, multilang });
  const contentName = isRoot ? "site" : inventory.template;
  const content = readContentSync(join(dir, `${contentName}.${options.extension}`));
  // most page folders hold no media: no promise round trip for them
  const media =
    inventory.files.length === 0
      ? NO_MEDIA
      : await readMediaFiles(
          dir,
          inventory.files,
          options.extension,
          multilang ? metaLanguages(inventory.contentFiles, options.extension) : undefined,
        );
  const translations = multilang ? readTranslations(dir, contentName, inventory.contentFiles, options) : null;
  return Object.freeze({
    ...(translations ? { translations } : {}),
    dir,
    inventory: Object.freeze({
      children: frozenList(inventory.children),
      drafts: frozenList(inventory.drafts),
      contentFiles: frozenList(inventory.contentFiles),
      files: frozenList(inventory.files),
      template: inventory.template,
    }),
    content,
    media,
  });
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/** Most page folders hold no sub-folders or media: their empty lists are one shared list (memory on large sites). */
function frozenList(names: string[]): readonly string[] {
  return names.length === 0 ? NO_NAMES : Object.freeze(names);
}

const LANGUAGE_INFIX = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Every `<name>.<code>.<ext>` file of a folder's own content, by code. */
function readTranslations(
  dir: string,
  name: string,
  contentFiles: readonly string[],
  options: ResolvedOptions,
): Readonly<Record<string, ContentFields>> {
  const prefix = `${name}.`;
  const suffix = `.${options.extension}`;
  const translations: Record<string, ContentFields> = {};
  for (const file of contentFiles) {
    if (!file.startsWith(prefix) || !file.endsWith(suffix)) continue;
    const code = file.slice(prefix.length, file.length - suffix.length);
    // a language code is a plain name (never `__proto__` or a dotted name)
    if (!LANGUAGE_INFIX.test(code)) continue;
    translations[code] = readContentSync(join(dir, file));
  }
  return Object.freeze(translations);
}

const NO_MEDIA: readonly MediaFile[] = Object.freeze([]);

function readContentSync(file: string): ContentFields {
  try {
    return Object.freeze(parseTxt(readFileSync(file, "utf8")));
  } catch (error) {
    if (isGone(error) || isUnreadable(error)) return Object.freeze({});
    throw error;
  }
}

export function isGone(error: unknown): boolean {
  return GONE_CODES.has(errorCode(error));
}

export function isUnreadable(error: unknown): boolean {
  return UNREADABLE_CODES.has(errorCode(error));
}

export function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : "";
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Building pages from records

const EMPTY_CONTENT: ContentFields = Object.freeze({});

export interface PageDraft {
  id: string;
  slug: string;
  num: number | null;
  status: PageStatus;
  template: string;
  dir: string;
  contentFile: string;
  content: ContentFields;
  parent: Page | null;
  children: readonly Page[];
  drafts: readonly Page[];
  files: readonly string[];
  media: readonly MediaFile[];
  translations?: Readonly<Record<string, ContentFields>>;
}

/** Builds fresh, frozen Page objects from the records. Pure CPU; no I/O. */
export function materialise(options: ResolvedOptions, records: RecordCache): Snapshot {
  const { root, extension } = options;
  const defaultCode = options.languages?.defaultCode() ?? null;
  /** The folder's content file and content: the default language's on a multi-language site. */
  const own = (dir: string, name: string, record: FolderRecord): { contentFile: string; content: ContentFields } =>
    defaultCode === null || record.translations === undefined
      ? { contentFile: join(dir, `${name}.${extension}`), content: record.content }
      : {
          contentFile: join(dir, `${name}.${defaultCode}.${extension}`),
          content: record.translations[defaultCode] ?? EMPTY_CONTENT,
        };
  /** A folder's files with the default language's meta files on a multi-language site. */
  const ownMedia = (media: readonly MediaFile[]): readonly MediaFile[] =>
    defaultCode === null ? media : mediaInLanguage(media, defaultCode, extension, false);
  const pagesById = new Map<string, Page>();
  const pages: Page[] = [];
  const filesByUuid = new Map<string, FileLocation>();

  const buildPages = (
    parentDir: string,
    names: readonly string[],
    parent: Page | null,
    inDraftsFolder: boolean,
  ): readonly Page[] => {
    const built: Page[] = [];
    for (const name of names) {
      const dir = inDraftsFolder ? join(parentDir, DRAFTS_FOLDER, name) : join(parentDir, name);
      const record = records.get(dir);
      if (record === undefined) continue;

      // A draft is a folder under `_drafts`; its own children are listed or unlisted by their folder names
      // (they are only unreachable on the site while an ancestor is a draft).
      const isDraft = inDraftsFolder;
      const { num, slug } = parseFolderName(name);
      const page: PageDraft = {
        id: parent === null ? slug : `${parent.id}/${slug}`,
        slug,
        num: isDraft ? null : num,
        status: isDraft ? "draft" : num === null ? "unlisted" : "listed",
        template: record.inventory.template,
        dir: record.dir,
        ...own(record.dir, record.inventory.template, record),
        parent,
        children: [],
        drafts: [],
        files: record.inventory.files,
        media: ownMedia(record.media),
        ...(record.translations ? { translations: record.translations } : {}),
      };
      const asPage: Page = page;

      addFileUuids(filesByUuid, page.id, page.media);
      const key = normaliseId(page.id);
      if (!pagesById.has(key)) pagesById.set(key, asPage);
      pages.push(asPage);

      page.children = Object.freeze(buildPages(dir, record.inventory.children, asPage, false));
      page.drafts = Object.freeze(buildPages(dir, record.inventory.drafts, asPage, true));
      built.push(Object.freeze(page));
    }
    return built;
  };

  const rootRecord = records.get(root);
  if (rootRecord === undefined) throw new Error("The content root has not been read");

  const site: Site = Object.freeze({
    dir: root,
    ...own(root, "site", rootRecord),
    ...(rootRecord.translations ? { translations: rootRecord.translations } : {}),
    children: Object.freeze(buildPages(root, rootRecord.inventory.children, null, false)),
    drafts: Object.freeze(buildPages(root, rootRecord.inventory.drafts, null, true)),
    files: rootRecord.inventory.files,
    media: ownMedia(rootRecord.media),
  });
  addFileUuids(filesByUuid, null, site.media ?? rootRecord.media);

  return { site, pagesById, pages: Object.freeze(pages), records, filesByUuid };
}

/** The first file with a UUID keeps it (as the first page with an id does). */
function addFileUuids(target: Map<string, FileLocation>, parentId: string | null, media: readonly MediaFile[]): void {
  for (const file of media) {
    const uuid = file.meta["uuid"];
    if (uuid === undefined || uuid === "") continue;
    const key = uuid.toLowerCase();
    if (!target.has(key)) target.set(key, Object.freeze({ parentId, filename: file.filename }));
  }
}
