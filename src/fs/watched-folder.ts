import watcher from "@parcel/watcher";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { changedPaths, scanTree, type TreePicture } from "./tree-scan.js";

/**
 * Keeps an in-memory copy of a folder (content, accounts, blueprints, templates, tokens) in step with the disk,
 * with one rule for all of them:
 *
 * - changes come from native events (`@parcel/watcher`: one inotify watch per folder on Linux, and it follows
 *   renames, so a file replaced atomically is still followed) and from a periodic reconciliation scan (inode, size
 *   and mtime of every entry) that catches whatever the events missed;
 * - changes are collected for DEBOUNCE_MS, then handed to the owner's `reload` in one batch; reloads never overlap;
 * - a failed reload keeps its changes pending, is retried with a back-off, and is logged once (again only when the
 *   failure changes or after it has been fixed);
 * - a folder that does not exist (yet, or any more) is checked for every second and followed once it appears.
 */

export type WatchLog = (level: "warn" | "error", message: string, details?: Record<string, unknown>) => void;

/** How an owner of a watched folder is told to watch; what `createSheaf` passes down. */
export interface WatchSettings {
  /** Receives reload and watching failures, once each. */
  readonly log?: WatchLog;
  /** Seconds between reconciliation scans; false turns them off (default 30). */
  readonly reconcileSeconds?: number | false;
}

export interface WatchedFolderOptions extends WatchSettings {
  /** The folder; it may not exist yet. */
  readonly dir: string;
  /** What the folder holds, for log messages (e.g. "content"). */
  readonly name: string;
  /**
   * Re-reads after a change: the changed paths relative to `dir` (with `/`), or null when anything may have
   * changed. A rejection means "not done": the same changes are offered again later.
   */
  readonly reload: (changes: ReadonlySet<string> | null) => Promise<void>;
  /** Paths for which this is false are of no interest (a folder: nor is anything below it). */
  readonly include?: (relativePath: string) => boolean;
  /** Follow native file-system events (default true); false leaves only the reconciliation. */
  readonly events?: boolean;
}

export const DEFAULT_RECONCILE_SECONDS = 30;
const DEBOUNCE_MS = 50;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 30_000;
/** How often a missing folder is looked for. */
const APPEARANCE_POLL_MS = 1_000;
/** Native subscriptions that failed (e.g. inotify limits reached) are tried again this rarely at most. */
const SUBSCRIBE_RETRY_MAX_MS = 300_000;
/** Beyond this many changed paths in one batch, the owner reads everything again. */
const MAX_TRACKED_CHANGES = 1_000;

const stderrLog: WatchLog = (level, message, details) =>
  process.stderr.write(`${level}: ${message}${details === undefined ? "" : ` ${JSON.stringify(details)}`}\n`);

export class WatchedFolder {
  private readonly dir: string;
  private readonly log: WatchLog;
  private readonly include: (relativePath: string) => boolean;
  private readonly events: boolean;
  private readonly reconcileMs: number | null;

  private subscription: watcher.AsyncSubscription | null = null;
  /** The folder the native watches are on: `dir` with links resolved (they cannot watch through a link). */
  private watchedPath: string;
  private subscribing: Promise<void> | null = null;
  private subscribeRetryMs = APPEARANCE_POLL_MS;
  private subscribeTimer: NodeJS.Timeout | null = null;

  private picture: TreePicture | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;

  private pending = new Set<string>();
  private pendingAll = false;
  private batchTimer: NodeJS.Timeout | null = null;
  private batchDueAt = 0;
  private retryMs = RETRY_MIN_MS;
  private running: Promise<void> | null = null;

  /** Failures already logged, by topic, so that the same one is not logged again on every event. */
  private readonly reported = new Map<string, string>();
  private closed = false;

  private constructor(private readonly options: WatchedFolderOptions) {
    this.dir = path.resolve(options.dir);
    this.watchedPath = this.dir;
    this.log = options.log ?? stderrLog;
    this.include = options.include ?? (() => true);
    this.events = options.events ?? true;
    const seconds = options.reconcileSeconds ?? DEFAULT_RECONCILE_SECONDS;
    this.reconcileMs = seconds === false ? null : seconds * 1000;
  }

  /** Starts following `options.dir`; every change made after this resolves reaches `reload`. */
  static async open(options: WatchedFolderOptions): Promise<WatchedFolder> {
    const folder = new WatchedFolder(options);
    await folder.start();
    return folder;
  }

  private async start(): Promise<void> {
    await this.subscribe();
    if (this.reconcileMs === null) return;
    const firstPicture = this.scan().then((picture) => {
      this.picture = picture;
      this.scheduleReconcile();
    });
    // Native events cover the changes made while the first picture is taken, so a large folder (100,000 entries
    // take seconds) need not hold up the start; without events the picture is the only baseline and is waited for.
    if (this.events && this.subscription !== null)
      this.reconciling = firstPicture.finally(() => (this.reconciling = null));
    else await firstPicture;
  }

  /** Stops following the folder; resolves once the native subscription is gone and no reload is running. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of [this.subscribeTimer, this.reconcileTimer, this.batchTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.subscribeTimer = this.reconcileTimer = this.batchTimer = null;
    await this.subscribing;
    await this.unsubscribe();
    await this.reconciling;
    await this.running;
  }

  // ---- native events ---------------------------------------------------------------------------------------------

  private subscribe(): Promise<void> {
    if (!this.events || this.closed || this.subscription !== null) return Promise.resolve();
    this.subscribing ??= this.trySubscribe().finally(() => {
      this.subscribing = null;
    });
    return this.subscribing;
  }

  private async trySubscribe(): Promise<void> {
    if (!(await isFolder(this.dir))) {
      this.retrySubscribe(APPEARANCE_POLL_MS);
      return;
    }
    try {
      const watchedPath = await realpath(this.dir);
      const subscription = await watcher.subscribe(watchedPath, (error, events) => this.onEvents(error, events));
      if (this.closed) {
        await subscription.unsubscribe();
        return;
      }
      this.subscription = subscription;
      this.watchedPath = watchedPath;
      this.subscribeRetryMs = APPEARANCE_POLL_MS;
      this.resolved("subscribe");
    } catch (error) {
      // The folder may have vanished in between; otherwise the system refused (e.g. out of inotify watches).
      if (!(await isFolder(this.dir))) {
        this.retrySubscribe(APPEARANCE_POLL_MS);
        return;
      }
      this.report("subscribe", "error", `Changes to the ${this.options.name} folder cannot be followed`, {
        dir: this.dir,
        error: describe(error),
        fallback: this.reconcileMs === null ? "none" : `a scan every ${this.reconcileMs / 1000} s`,
      });
      this.retrySubscribe(this.subscribeRetryMs);
      this.subscribeRetryMs = Math.min(this.subscribeRetryMs * 2, SUBSCRIBE_RETRY_MAX_MS);
    }
  }

  /** Tries to subscribe again later; once that works, anything may have changed while nothing was watching. */
  private retrySubscribe(delay: number): void {
    if (this.closed || this.subscribeTimer !== null) return;
    this.subscribeTimer = setTimeout(() => {
      this.subscribeTimer = null;
      void this.subscribe().then(() => {
        if (this.subscription !== null) this.notice(null);
      });
    }, delay);
    this.subscribeTimer.unref();
  }

  private async unsubscribe(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    if (subscription === null) return;
    try {
      await subscription.unsubscribe();
    } catch {
      // The folder is gone with its watches; there is nothing left to release.
    }
  }

  private onEvents(error: Error | null, events: readonly watcher.Event[]): void {
    if (this.closed) return;
    if (error !== null) {
      // Events may have been dropped (e.g. an overflowing queue): read everything again.
      this.report("events", "warn", `Changes to the ${this.options.name} folder may have been missed`, {
        dir: this.dir,
        error: describe(error),
      });
      this.notice(null);
      return;
    }
    const changes: string[] = [];
    for (const event of events) {
      const relative = path.relative(this.watchedPath, event.path);
      if (relative === "") {
        void this.followReplacedFolder();
        return;
      }
      changes.push(relative.split(path.sep).join("/"));
    }
    this.notice(changes);
  }

  /** The folder itself was removed or replaced: follow whatever is at its path from now on. */
  private async followReplacedFolder(): Promise<void> {
    this.notice(null);
    await this.unsubscribe();
    await this.subscribe();
  }

  // ---- reconciliation --------------------------------------------------------------------------------------------

  private scheduleReconcile(): void {
    if (this.closed || this.reconcileMs === null) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      this.reconciling = this.reconcile().finally(() => {
        this.reconciling = null;
        this.scheduleReconcile();
      });
    }, this.reconcileMs);
    this.reconcileTimer.unref();
  }

  private async reconcile(): Promise<void> {
    const before = this.picture;
    const after = await this.scan();
    if (this.closed) return;
    this.picture = after;
    if (before === after) return;
    if (before === null || after === null) {
      // The folder appeared or vanished (subscribing follows on its own once it is there).
      this.notice(null);
      return;
    }
    const changes = changedPaths(before, after);
    if (changes.delete("")) {
      // The folder was replaced as a whole: the native watches follow the old one.
      await this.followReplacedFolder();
      return;
    }
    if (changes.size > 0) this.notice([...changes]);
  }

  /** The folder's picture, or null when it is missing or cannot be read (the failure is logged once). */
  private async scan(): Promise<TreePicture | null> {
    try {
      const picture = await scanTree(this.dir, { include: this.include });
      this.resolved("scan");
      return picture;
    } catch (error) {
      this.report("scan", "warn", `The ${this.options.name} folder cannot be scanned for changes`, {
        dir: this.dir,
        error: describe(error),
      });
      return this.picture;
    }
  }

  // ---- batching and reloading ------------------------------------------------------------------------------------

  /** Queues changed paths (null: anything may have changed) for the next batch. */
  private notice(changes: readonly string[] | null): void {
    if (this.closed) return;
    if (changes === null) {
      this.pendingAll = true;
    } else {
      for (const change of changes) {
        if (this.isIncluded(change)) this.pending.add(change);
      }
      if (this.pending.size > MAX_TRACKED_CHANGES) {
        this.pending.clear();
        this.pendingAll = true;
      }
    }
    if (this.hasPending()) this.scheduleBatch(DEBOUNCE_MS);
  }

  /** A path is of interest when it and every folder above it are. */
  private isIncluded(relativePath: string): boolean {
    let prefix = "";
    for (const segment of relativePath.split("/")) {
      prefix = prefix === "" ? segment : `${prefix}/${segment}`;
      if (!this.include(prefix)) return false;
    }
    return true;
  }

  private hasPending(): boolean {
    return this.pendingAll || this.pending.size > 0;
  }

  /** The first notice arms the timer and later ones join the batch; a notice cuts a retry back-off short. */
  private scheduleBatch(delay: number): void {
    if (this.closed || this.running !== null) return;
    const dueAt = Date.now() + delay;
    if (this.batchTimer !== null) {
      if (this.batchDueAt <= dueAt) return;
      clearTimeout(this.batchTimer);
    }
    this.batchDueAt = dueAt;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.running = this.runBatch().then((retryDelay) => {
        this.running = null;
        // Changes that arrived during the reload, or the failed ones, make the next batch.
        if (this.hasPending()) this.scheduleBatch(retryDelay ?? DEBOUNCE_MS);
      });
    }, delay);
    this.batchTimer.unref();
  }

  /** Hands the pending changes to the owner; resolves with the retry delay when that failed. */
  private async runBatch(): Promise<number | null> {
    const changes = this.pendingAll ? null : this.pending;
    this.pending = new Set();
    this.pendingAll = false;
    try {
      await this.options.reload(changes);
      this.retryMs = RETRY_MIN_MS;
      this.resolved("reload");
      return null;
    } catch (error) {
      if (changes === null) this.pendingAll = true;
      else for (const change of changes) this.pending.add(change);
      this.report("reload", "error", `The ${this.options.name} folder could not be read again after a change`, {
        dir: this.dir,
        error: describe(error),
      });
      const delay = this.retryMs;
      this.retryMs = Math.min(delay * 2, RETRY_MAX_MS);
      return delay;
    }
  }

  // ---- logging once ----------------------------------------------------------------------------------------------

  private report(topic: string, level: "warn" | "error", message: string, details: Record<string, unknown>): void {
    const key = `${message}\n${JSON.stringify(details)}`;
    if (this.reported.get(topic) === key) return;
    this.reported.set(topic, key);
    this.log(level, message, details);
  }

  /** The failure of `topic` is over: a new one is worth logging again. */
  private resolved(topic: string): void {
    this.reported.delete(topic);
  }
}

async function isFolder(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
