/**
 * The in-memory content index. The disk is read into per-folder records; Page objects are then built from the
 * records into an immutable snapshot that is swapped in at once. A change re-reads only the folders it touches,
 * but every swap builds fresh Page objects so that `parent` links always stay inside one snapshot.
 */
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { WatchedFolder, type WatchSettings } from "../fs/watched-folder.js";
import {
  buildSnapshot,
  describe,
  invalidate,
  isIndexedName,
  isInside,
  normaliseId,
  type Change,
  type FolderRecord,
  type ResolvedOptions,
  type Snapshot,
} from "./index-records.js";
import { DEFAULT_IGNORE } from "./inventory.js";
import type { ContentIndex, ContentIndexOptions, Page, Site } from "./types.js";
import type { FileLocation } from "../files/types.js";

/** Pending changes by path; a deep notice for a path outweighs a shallow one. */
type ChangeSet = Map<string, boolean>;

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
/** Beyond this many changed paths in one batch, reading everything again is cheaper than sorting them out. */
const MAX_TRACKED_CHANGES = 1_000;

export async function createContentIndex(options: ContentIndexOptions): Promise<ContentIndex> {
  const resolved: ResolvedOptions = {
    root: resolve(options.root),
    extension: options.extension ?? "txt",
    ignore: options.ignore ?? DEFAULT_IGNORE,
    ...(options.languages ? { languages: options.languages } : {}),
  };

  // The native watch is set up while the folders are read (it walks the whole tree in a thread of its own, which
  // takes as long as the reading on a large site); changes it reports meanwhile are applied once the first snapshot
  // is there, so nothing made during the start is missed.
  const index = new LiveContentIndex(resolved);
  const watching = options.watch !== false ? index.startWatching(options.watching ?? {}) : null;
  try {
    index.setInitial(await buildSnapshot(resolved, new Map()));
  } catch (error) {
    await watching?.catch(() => undefined);
    await index.close();
    throw new ConfigError(`The content folder "${resolved.root}" cannot be read: ${describe(error)}`);
  }
  await watching;
  return index;
}

class LiveContentIndex implements ContentIndex {
  // set before createContentIndex hands the index out; only notices of the watcher come earlier, and they wait
  private snapshot!: Snapshot;
  private markInitial!: () => void;
  /** Resolves once the first snapshot is there. */
  private readonly initial = new Promise<void>((resolveInitial) => {
    this.markInitial = resolveInitial;
  });
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

  constructor(private readonly options: ResolvedOptions) {}

  setInitial(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.markInitial();
  }

  get site(): Site {
    return this.snapshot.site;
  }

  findPage(id: string): Page | undefined {
    return this.snapshot.pagesById.get(normaliseId(id));
  }

  findFileByUuid(uuid: string): FileLocation | undefined {
    return this.snapshot.filesByUuid.get(uuid.toLowerCase());
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
    // notices waiting for a first snapshot that never came (the start failed) give up
    this.markInitial();
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
      include: (relativePath) =>
        isIndexedName(relativePath.slice(relativePath.lastIndexOf("/") + 1), this.options.ignore),
      reload: (changes) => this.applyNotices(changes),
    });
  }

  /** Rebuilds after changes seen on disk; rejects when the rebuild failed (it is retried). */
  private async applyNotices(changes: ReadonlySet<string> | null): Promise<void> {
    await this.initial;
    if (this.closed) return;
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
