import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { expiryOfStoreKey } from "./store.js";

/**
 * Which logged-in sessions each user has, so they can be listed and revoked server-side (session records are
 * sealed with their token's key and cannot be read without it). Holds store keys (`<expiry>.<id>`, not secret)
 * with when/where the session started and was last seen.
 */

export interface SessionEntry {
  readonly storeKey: string;
  readonly createdAt: number;
  lastSeenAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionRegistry {
  upsert(userId: string, entry: SessionEntry): Promise<void>;
  /** Forgets a store key wherever it is listed. */
  remove(storeKey: string): Promise<void>;
  /** Live entries of a user (expired ones dropped). */
  list(userId: string, nowUnix: number): Promise<SessionEntry[]>;
  /** Removes and returns every entry of a user. */
  takeAll(userId: string): Promise<SessionEntry[]>;
}

export class MemorySessionRegistry implements SessionRegistry {
  protected byUser = new Map<string, SessionEntry[]>();

  async upsert(userId: string, entry: SessionEntry): Promise<void> {
    this.removeEntry(entry.storeKey);
    const list = this.byUser.get(userId) ?? [];
    list.push(entry);
    this.byUser.set(userId, list);
  }

  async remove(storeKey: string): Promise<void> {
    this.removeEntry(storeKey);
  }

  /** Drops a store key from whichever user lists it; true when something was removed. */
  protected removeEntry(storeKey: string): boolean {
    let removed = false;
    for (const [userId, list] of this.byUser) {
      const kept = list.filter((entry) => entry.storeKey !== storeKey);
      if (kept.length !== list.length) {
        removed = true;
        if (kept.length) this.byUser.set(userId, kept);
        else this.byUser.delete(userId);
      }
    }
    return removed;
  }

  async list(userId: string, nowUnix: number): Promise<SessionEntry[]> {
    return (this.byUser.get(userId) ?? []).filter((entry) => expiryOfStoreKey(entry.storeKey) >= nowUnix);
  }

  async takeAll(userId: string): Promise<SessionEntry[]> {
    const list = this.byUser.get(userId) ?? [];
    this.byUser.delete(userId);
    return list;
  }
}

/** The registry kept in `site/sessions/.users.json` (read once, written atomically after each change). */
export class FileSessionRegistry extends MemorySessionRegistry {
  private readonly mutex = new KeyedMutex();
  private loaded: Promise<void> | null = null;
  readonly file: string;

  constructor(sessionsDir: string) {
    super();
    this.file = path.join(sessionsDir, ".users.json");
  }

  private ensureLoaded(): Promise<void> {
    this.loaded ??= readFile(this.file, "utf8").then(
      (text) => {
        try {
          const raw = JSON.parse(text) as Record<string, SessionEntry[]>;
          this.byUser = new Map(Object.entries(raw).filter(([, list]) => Array.isArray(list)));
        } catch {
          this.byUser = new Map();
        }
      },
      () => undefined,
    );
    return this.loaded;
  }

  private save(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const live: Record<string, SessionEntry[]> = {};
    for (const [userId, list] of this.byUser) {
      const kept = list.filter((entry) => expiryOfStoreKey(entry.storeKey) >= now);
      if (kept.length) live[userId] = kept;
    }
    return mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 }).then(() =>
      writeFileAtomic(this.file, JSON.stringify(live), 0o600),
    );
  }

  override upsert(userId: string, entry: SessionEntry): Promise<void> {
    return this.mutex.run(this.file, async () => {
      await this.ensureLoaded();
      await super.upsert(userId, entry);
      await this.save();
    });
  }

  override remove(storeKey: string): Promise<void> {
    return this.mutex.run(this.file, async () => {
      await this.ensureLoaded();
      if (this.removeEntry(storeKey)) await this.save();
    });
  }

  override list(userId: string, nowUnix: number): Promise<SessionEntry[]> {
    return this.mutex.run(this.file, async () => {
      await this.ensureLoaded();
      return super.list(userId, nowUnix);
    });
  }

  override takeAll(userId: string): Promise<SessionEntry[]> {
    return this.mutex.run(this.file, async () => {
      await this.ensureLoaded();
      const taken = await super.takeAll(userId);
      if (taken.length) await this.save();
      return taken;
    });
  }
}

/** Where a shared registry keeps its JSON text, and the lock under which it is read and replaced. */
export interface RegistryDocument {
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
  lock<T>(task: () => Promise<T>): Promise<T>;
}

/** A file registry document (`site/sessions/.users.json`) written atomically. */
export function registryFile(sessionsDir: string, lock: RegistryDocument["lock"]): RegistryDocument {
  const file = path.join(sessionsDir, ".users.json");
  return {
    read: () => readFile(file, "utf8").catch(() => null),
    write: async (text) => {
      await mkdir(sessionsDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, text, 0o600);
    },
    lock,
  };
}

/**
 * The registry of processes that share a site: every operation re-reads the document under a lock held across
 * processes, changes it and writes it back, so no process overwrites another's entries with a stale copy.
 */
export class SharedSessionRegistry implements SessionRegistry {
  constructor(private readonly document: RegistryDocument) {}

  private change<T>(operation: (registry: MemorySessionRegistry) => Promise<T>, write: boolean): Promise<T> {
    return this.document.lock(async () => {
      const registry = new LoadedRegistry(await this.document.read());
      const result = await operation(registry);
      if (write && registry.dirty) await this.document.write(registry.serialize());
      return result;
    });
  }

  upsert(userId: string, entry: SessionEntry): Promise<void> {
    return this.change((registry) => registry.upsert(userId, entry), true);
  }

  remove(storeKey: string): Promise<void> {
    return this.change((registry) => registry.remove(storeKey), true);
  }

  list(userId: string, nowUnix: number): Promise<SessionEntry[]> {
    return this.change((registry) => registry.list(userId, nowUnix), false);
  }

  takeAll(userId: string): Promise<SessionEntry[]> {
    return this.change((registry) => registry.takeAll(userId), true);
  }
}

class LoadedRegistry extends MemorySessionRegistry {
  dirty = false;

  constructor(text: string | null) {
    super();
    try {
      const raw = JSON.parse(text ?? "{}") as Record<string, SessionEntry[]>;
      this.byUser = new Map(Object.entries(raw).filter(([, list]) => Array.isArray(list)));
    } catch {
      this.byUser = new Map();
    }
  }

  override async upsert(userId: string, entry: SessionEntry): Promise<void> {
    this.dirty = true;
    await super.upsert(userId, entry);
  }

  protected override removeEntry(storeKey: string): boolean {
    const removed = super.removeEntry(storeKey);
    this.dirty ||= removed;
    return removed;
  }

  override async takeAll(userId: string): Promise<SessionEntry[]> {
    const taken = await super.takeAll(userId);
    this.dirty ||= taken.length > 0;
    return taken;
  }

  serialize(): string {
    const now = Math.floor(Date.now() / 1000);
    const live: Record<string, SessionEntry[]> = {};
    for (const [userId, list] of this.byUser) {
      const kept = list.filter((entry) => expiryOfStoreKey(entry.storeKey) >= now);
      if (kept.length) live[userId] = kept;
    }
    return JSON.stringify(live);
  }
}
