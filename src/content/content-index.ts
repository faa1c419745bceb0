/**
 * The in-memory content index. The disk is read into per-folder records; Page objects are then built from the
 * records into an immutable snapshot that is swapped in at once. A change re-reads only the folders it touches,
 * but every swap builds fresh Page objects so that `parent` links always stay inside one snapshot.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { ConfigError } from "../errors.js";
import { WatchedFolder } from "../fs/watched-folder.js";
import { DEFAULT_IGNORE, DRAFTS_FOLDER, parseFolderName, readFolder, type FolderInventory } from "./inventory.js";
import { parseTxt } from "./txt.js";
import type { WatchSettings } from "../fs/watched-folder.js";
import type { ContentFields, ContentIndex, ContentIndexOptions, Page, PageStatus, Site } from "./types.js";

/** What one folder (the content root or a page folder) holds, as last read from disk. */
interface FolderRecord {
  readonly inventory: FrozenInventory;
  readonly content: ContentFields;
}

type FrozenInventory = {
  readonly [K in keyof FolderInventory]: FolderInventory[K] extends string[] ? readonly string[] : FolderInventory[K];
};

/** Folder records keyed by absolute folder path. */
type RecordCache = Map<string, FolderRecord>;

interface Snapshot {
  readonly site: Site;
  readonly pagesById: ReadonlyMap<string, Page>;
  readonly pages: readonly Page[];
  readonly records: RecordCache;
}

/**
 * A path reported as changed. `deep` discards everything cached below it (a folder that may have been replaced);
 * otherwise only the folder itself and the folder listing it are re-read.
 */
interface Change {
  readonly path: string;
  readonly deep: boolean;
}

/** Pending changes by path; a deep notice for a path outweighs a shallow one. */
type ChangeSet = Map<string, boolean>;

interface ResolvedOptions {
  readonly root: string;
  readonly extension: string;
  readonly ignore: readonly string[];
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const MAX_PARALLEL_SCANS = 32;
/** Beyond this many changed paths in one batch, reading everything again is cheaper than sorting them out. */
const MAX_TRACKED_CHANGES = 1_000;

/** Error codes meaning "this folder or file is not there (any more)". */
const GONE_CODES: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
/** Error codes of a folder or file that exists but cannot be read; it is left out rather than blocking updates. */
const UNREADABLE_CODES: ReadonlySet<string> = new Set(["EACCES", "EPERM"]);

export async function createContentIndex(options: ContentIndexOptions): Promise<ContentIndex> {
  const resolved: ResolvedOptions = {
    root: resolve(options.root),
    extension: options.extension ?? "txt",
    ignore: options.ignore ?? DEFAULT_IGNORE,
  };

  let initial: Snapshot;
  try {
    initial = await buildSnapshot(resolved, new Map());
  } catch (error) {
    throw new ConfigError(`The content folder "${resolved.root}" cannot be read: ${describe(error)}`);
  }

  const index = new LiveContentIndex(resolved, initial);
  if (options.watch !== false) await index.startWatching(options.watching ?? {});
  return index;
}

class LiveContentIndex implements ContentIndex {
  private snapshot: Snapshot;
  private readonly listeners = new Set<() => void>();
  private pendingChanges: ChangeSet = new Map();
  private pendingFullReload = false;
  /** Callers waiting for the next rebuild; told whether it failed. */
  private waiters: Array<(failure: unknown) => void> = [];
  private running: Promise<void> | null = null;
  private rebuildTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private watcher: WatchedFolder | null = null;
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    initial: Snapshot,
  ) {
    this.snapshot = initial;
  }

  get site(): Site {
    return this.snapshot.site;
  }

  findPage(id: string): Page | undefined {
    return this.snapshot.pagesById.get(normaliseId(id));
  }

  allPages(): Iterable<Page> {
    return this.snapshot.pages;
  }

  reload(): Promise<void> {
    this.pendingFullReload = true;
    return this.flush();
  }

  refresh(dir: string): Promise<void> {
    const path = resolve(this.options.root, dir);
    if (isInside(this.options.root, path)) this.addChange(path, false);
    else this.pendingFullReload = true;
    return this.flush();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
    if (this.rebuildTimer !== null) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = null;
    await this.running;
    this.releaseWaiters(null);
  }

  private releaseWaiters(failure: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolveWaiter of waiters) resolveWaiter(failure);
  }

  async startWatching(settings: WatchSettings): Promise<void> {
    if (this.closed || this.watcher !== null) return;
    this.watcher = await WatchedFolder.open({
      ...settings,
      dir: this.options.root,
      name: "content",
      include: (relativePath) => isIndexedName(relativePath.slice(relativePath.lastIndexOf("/") + 1), this.options.ignore),
      reload: (changes) => this.applyNotices(changes),
    });
  }

  /** Rebuilds after changes seen on disk; rejects when the rebuild failed (it is retried). */
  private async applyNotices(changes: ReadonlySet<string> | null): Promise<void> {
    if (changes === null) this.pendingFullReload = true;
    else for (const change of changes) this.addChange(join(this.options.root, change), true);
    const failure = await this.flushReportingFailure();
    if (failure !== null) throw failure;
  }

  private addChange(path: string, deep: boolean): void {
    this.pendingChanges.set(path, deep || this.pendingChanges.get(path) === true);
    if (this.pendingChanges.size > MAX_TRACKED_CHANGES) {
      this.pendingChanges.clear();
      this.pendingFullReload = true;
    }
  }

  /** Tries pending work again after `delay` (the caller of a failed refresh is not there to ask again). */
  private scheduleRebuild(delay: number): void {
    if (this.rebuildTimer !== null || this.closed) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      this.kick();
    }, delay);
    this.rebuildTimer.unref();
  }

  /** Resolves once a rebuild that started after this call has finished (successfully or not). */
  private async flush(): Promise<void> {
    await this.flushReportingFailure();
  }

  /** Like flush(), resolving with the error of a failed rebuild, or null. */
  private flushReportingFailure(): Promise<unknown> {
    return new Promise((resolveFlush) => {
      this.waiters.push(resolveFlush);
      this.kick();
    });
  }

  private kick(): void {
    if (this.rebuildTimer !== null) {
      clearTimeout(this.rebuildTimer);
      this.rebuildTimer = null;
    }
    if (this.running !== null) return;
    this.running = this.drain()
      .catch(() => false)
      .then((completed) => {
        this.running = null;
        // Work queued between the last check in drain() and now would otherwise wait for the next notice.
        // After a failure the retry timer takes over.
        if (completed && this.hasPendingWork()) this.kick();
      });
  }

  private hasPendingWork(): boolean {
    return this.pendingFullReload || this.pendingChanges.size > 0 || this.waiters.length > 0;
  }

  /** Rebuilds until nothing is pending; resolves `false` when a rebuild failed and a retry was left for later. */
  private async drain(): Promise<boolean> {
    while (this.hasPendingWork()) {
      const waiters = this.waiters;
      this.waiters = [];
      const fullReload = this.pendingFullReload;
      const changes = [...this.pendingChanges].map(([path, deep]): Change => ({ path, deep }));
      this.pendingChanges = new Map();
      this.pendingFullReload = false;

      let failure: unknown = null;
      if (fullReload || changes.length > 0) {
        try {
          const reusable = fullReload
            ? new Map<string, FolderRecord>()
            : invalidate(this.snapshot.records, this.options.root, changes);
          this.swap(await buildSnapshot(this.options, reusable));
          this.retryDelay = RETRY_MIN_MS;
        } catch (error) {
          // Keep serving the previous snapshot and try the same work again a little later.
          failure = error ?? new Error("The content could not be read");
          this.pendingFullReload ||= fullReload;
          for (const change of changes) this.addChange(change.path, change.deep);
        }
      }
      for (const resolveWaiter of waiters) resolveWaiter(failure);

      if (failure !== null) {
        if (this.closed) this.releaseWaiters(failure);
        const delay = this.retryDelay;
        this.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
        this.scheduleRebuild(delay);
        return false;
      }
    }
    return true;
  }

  private swap(next: Snapshot): void {
    this.snapshot = next;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A failing listener must not break the index or the other listeners.
      }
    }
  }
}

function normaliseId(id: string): string {
  return id.toLowerCase();
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Dot-files and -folders, ignored names and underscore folders other than `_drafts` cannot change the index. */
function isIndexedName(name: string, ignore: readonly string[]): boolean {
  if (name.startsWith(".") || ignore.includes(name)) return false;
  return !name.startsWith("_") || name === DRAFTS_FOLDER;
}

/** Copy of `records` without the folders the changes may have touched; those are read again. */
function invalidate(records: RecordCache, root: string, changes: readonly Change[]): RecordCache {
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
function owningFolder(records: RecordCache, root: string, dir: string): string {
  let current = dir;
  while (current !== root && isInside(root, current) && !records.has(current)) current = dirname(current);
  return isInside(root, current) ? current : root;
}

// Reading folders into records

async function buildSnapshot(options: ResolvedOptions, reusable: RecordCache): Promise<Snapshot> {
  const records = await loadRecords(options, reusable);
  return materialise(options, records);
}

async function loadRecords(options: ResolvedOptions, reusable: RecordCache): Promise<RecordCache> {
  const records: RecordCache = new Map();
  const limit = createLimiter(MAX_PARALLEL_SCANS);
  const { root } = options;

  const rootRecord = reusable.get(root) ?? (await scanFolder(options, root, true));
  records.set(root, rootRecord);

  const loadBelow = async (dir: string, record: FolderRecord): Promise<void> => {
    await Promise.all(
      childFolders(dir, record).map(async (childDir) => {
        let childRecord = reusable.get(childDir);
        if (childRecord === undefined) {
          try {
            childRecord = await limit(() => scanFolder(options, childDir, false));
          } catch (error) {
            // Removed between reading its parent and reading it: the next notice fixes the parent's listing.
            if (isGone(error) || isUnreadable(error)) return;
            throw error;
          }
        }
        records.set(childDir, childRecord);
        await loadBelow(childDir, childRecord);
      }),
    );
  };

  await loadBelow(root, rootRecord);
  return records;
}

function childFolders(dir: string, record: FolderRecord): string[] {
  const { children, drafts } = record.inventory;
  return [...children.map((name) => join(dir, name)), ...drafts.map((name) => join(dir, DRAFTS_FOLDER, name))];
}

async function scanFolder(options: ResolvedOptions, dir: string, isRoot: boolean): Promise<FolderRecord> {
  const inventory = await readFolder(dir, { extension: options.extension, ignore: options.ignore });
  const contentName = isRoot ? "site" : inventory.template;
  const content = await readContent(join(dir, `${contentName}.${options.extension}`));
  return Object.freeze({
    inventory: Object.freeze({
      children: Object.freeze(inventory.children),
      drafts: Object.freeze(inventory.drafts),
      contentFiles: Object.freeze(inventory.contentFiles),
      files: Object.freeze(inventory.files),
      template: inventory.template,
    }),
    content,
  });
}

async function readContent(file: string): Promise<ContentFields> {
  try {
    return Object.freeze(parseTxt(await readFile(file, "utf8")));
  } catch (error) {
    if (isGone(error) || isUnreadable(error)) return Object.freeze({});
    throw error;
  }
}

function isGone(error: unknown): boolean {
  return GONE_CODES.has(errorCode(error));
}

function isUnreadable(error: unknown): boolean {
  return UNREADABLE_CODES.has(errorCode(error));
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : "";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs at most `max` tasks at a time. */
function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = (): void => {
    active--;
    queue.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resume) => queue.push(resume));
    active++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

// Building pages from records

interface PageDraft {
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
}

/** Builds fresh, frozen Page objects from the records. Pure CPU; no I/O. */
function materialise(options: ResolvedOptions, records: RecordCache): Snapshot {
  const { root, extension } = options;
  const pagesById = new Map<string, Page>();
  const pages: Page[] = [];

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
        dir,
        contentFile: join(dir, `${record.inventory.template}.${extension}`),
        content: record.content,
        parent,
        children: [],
        drafts: [],
        files: record.inventory.files,
      };
      const asPage: Page = page;

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
    contentFile: join(root, `site.${extension}`),
    content: rootRecord.content,
    children: Object.freeze(buildPages(root, rootRecord.inventory.children, null, false)),
    drafts: Object.freeze(buildPages(root, rootRecord.inventory.drafts, null, true)),
    files: rootRecord.inventory.files,
  });

  return { site, pagesById, pages: Object.freeze(pages), records };
}
