import path from "node:path";
import type { Coordination } from "../coord/coordination.js";
import type { ContentIndex } from "../content/index.js";

const CONTENT = "content";
const ACCOUNTS = "accounts";
/** The id of an account notice that means "every account": re-read them all (a site gaining or losing languages). */
const ALL_ACCOUNTS = "*";
/** How long a process waits for notices it knows are on their way before it re-reads the whole site instead. */
const CATCH_UP_WAIT_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Warn = (message: string, error?: unknown) => void;

/**
 * Content writes of processes that share a site folder. Every write holds the site-wide lock `content`; before
 * the write runs, this process has applied every write announced before (each announcement carries the topic's
 * version, and the lock holder compares it with the shared count), so a read-modify-write always starts from what
 * the last writer left, whichever process that was. After the write, the refreshed folders are announced and the
 * other processes re-read them.
 */
export class SharedContentWrites {
  private applied: number;
  private applying: Promise<void> = Promise.resolve();
  private stale = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly coordination: Coordination,
    private readonly content: ContentIndex,
    private readonly root: string,
    startVersion: number,
    private readonly warn: Warn,
  ) {
    this.applied = startVersion;
    this.unsubscribe = coordination.subscribe((topic, data, version) => {
      if (topic === "*") {
        this.stale = true;
        // back after missing notices: re-read now, so reads do not wait for the next write to be current
        if (data === "up") this.applying = this.applying.then(() => this.reloadAll());
        return;
      }
      if (topic !== CONTENT) return;
      this.applying = this.applying.then(async () => {
        try {
          for (const dir of JSON.parse(data) as string[]) await content.refresh(this.absolute(dir));
        } catch (error) {
          this.stale = true;
          warn("Could not apply another process's content change; the site is re-read", error);
        }
        this.applied = Math.max(this.applied, version);
      });
    });
  }

  private async reloadAll(): Promise<void> {
    try {
      const current = await this.coordination.version(CONTENT);
      await this.content.reload();
      this.applied = Math.max(this.applied, current);
      this.stale = false;
    } catch (error) {
      this.warn("Could not re-read the site after the shared state server came back", error);
    }
  }

  private absolute(relative: string): string {
    const dir = path.resolve(this.root, relative);
    if (dir !== this.root && !dir.startsWith(`${this.root}${path.sep}`))
      throw new Error(`Outside content: ${relative}`);
    return dir;
  }

  /** Waits until every write announced so far is applied here (or re-reads the site when notices were missed). */
  private async catchUp(): Promise<void> {
    const current = await this.coordination.version(CONTENT);
    const deadline = Date.now() + CATCH_UP_WAIT_MS;
    await this.applying;
    while (this.applied < current && !this.stale && Date.now() < deadline) {
      await sleep(5);
      await this.applying;
    }
    if (this.applied < current || this.stale) {
      this.stale = false;
      await this.content.reload();
      this.applied = Math.max(this.applied, current);
    }
  }

  run<T>(task: (changed: (dir: string) => void) => Promise<T>): Promise<T> {
    return this.coordination.withLock(CONTENT, async () => {
      await this.catchUp();
      const changed = new Set<string>();
      const result = await task((dir) => changed.add(path.relative(this.root, dir)));
      if (changed.size > 0) {
        try {
          this.applied = await this.coordination.publish(CONTENT, JSON.stringify([...changed]));
        } catch (error) {
          // the write is complete on disk; the others find it by their watchers, or re-read at their next write
          this.warn("Could not announce a content change to the other processes", error);
        }
      }
      return result;
    });
  }

  close(): void {
    this.unsubscribe();
  }
}

interface AccountsIndex {
  refresh(id: string): Promise<void>;
  reload(): Promise<void>;
}

/**
 * Account writes of processes sharing a site: each holds its lock across processes after this process has
 * applied the account notices received so far; each refreshed account is announced and re-read by the others.
 */
export class SharedAccountWrites {
  private applying: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly coordination: Coordination,
    private readonly accounts: AccountsIndex,
    private readonly warn: Warn,
  ) {
    this.unsubscribe = coordination.subscribe((topic, id) => {
      if (topic !== ACCOUNTS && !(topic === "*" && id === "up")) return;
      this.applying = this.applying.then(() =>
        (topic === "*" || id === ALL_ACCOUNTS ? accounts.reload() : accounts.refresh(id)).catch((error: unknown) =>
          warn("Could not apply another process's account change", error),
        ),
      );
    });
  }

  lock<T>(name: string, task: () => Promise<T>): Promise<T> {
    return this.coordination.withLock(name, async () => {
      await this.applying;
      return task();
    });
  }

  /** The index as the account writer sees it: a refresh is also announced. */
  readonly refresher = {
    refresh: async (id: string): Promise<void> => {
      await this.accounts.refresh(id);
      await this.coordination
        .publish(ACCOUNTS, id)
        .catch((error: unknown) => this.warn("Could not announce an account change to the other processes", error));
    },
    reload: async (): Promise<void> => {
      await this.accounts.reload();
      await this.coordination
        .publish(ACCOUNTS, ALL_ACCOUNTS)
        .catch((error: unknown) => this.warn("Could not announce an account change to the other processes", error));
    },
  };

  close(): void {
    this.unsubscribe();
  }
}
