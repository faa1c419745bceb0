import { watch, type FSWatcher } from "node:fs";

/**
 * A recursive file-system watcher that survives its own failures: when `fs.watch` reports an error the owner does
 * not handle, it is closed and started again after a back-off (1 s doubling to 30 s), and the owner is told it
 * may have missed notices. Every in-memory index of files on disk (content, accounts, blueprints, templates,
 * tokens) watches through this one class.
 */

export interface FolderWatcherOptions {
  readonly dir: string;
  readonly recursive?: boolean;
  /** A change below `dir`: the path relative to it, or null when the platform does not say. */
  readonly onNotice: (relativePath: string | null) => void;
  /** Watching again after a failure: notices may have been missed, re-read what matters. */
  readonly onResumed?: () => void;
  /** Handles an error itself (return true), e.g. a sub-folder that vanished while being added; else: restart. */
  readonly onError?: (error: unknown) => boolean;
}

const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;

export class FolderWatcher {
  private watcher: FSWatcher | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartDelay = RESTART_MIN_MS;
  private closed = false;

  constructor(private readonly options: FolderWatcherOptions) {}

  get isWatching(): boolean {
    return this.watcher !== null;
  }

  /** Starts watching; false when the folder cannot be watched now (e.g. it does not exist yet). */
  start(): boolean {
    if (this.closed) return false;
    if (this.watcher !== null) return true;
    try {
      const watcher = watch(this.options.dir, { recursive: this.options.recursive ?? true }, (_event, filename) => {
        if (!this.closed) this.options.onNotice(typeof filename === "string" && filename !== "" ? filename : null);
      });
      watcher.on("error", (error) => {
        if (this.options.onError?.(error) === true) return;
        this.restart();
      });
      this.watcher = watcher;
      this.restartDelay = RESTART_MIN_MS;
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the watcher and tries again after the back-off. */
  restart(): void {
    this.stop();
    if (this.closed || this.restartTimer !== null) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(delay * 2, RESTART_MAX_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.start()) this.options.onResumed?.();
      else this.restart();
    }, delay);
    this.restartTimer.unref();
  }

  private stop(): void {
    const watcher = this.watcher;
    this.watcher = null;
    if (watcher === null) return;
    watcher.removeAllListeners("error");
    // a closed watcher may still report a late error; swallow it
    watcher.on("error", () => undefined);
    watcher.close();
  }

  close(): void {
    this.closed = true;
    this.stop();
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }
}
