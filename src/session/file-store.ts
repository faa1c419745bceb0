import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { resolveInside } from "../fs/safe-path.js";
import { InvalidArgumentError } from "../errors.js";
import { expiryOfStoreKey, type SessionStore } from "./store.js";

const FILE_PATTERN = /^([0-9]+)\.([a-z0-9]+)\.sess$/;
const STORE_KEY_PATTERN = /^[0-9]+\.[a-z0-9]+$/;

/**
 * Sessions as files `<dir>/<expiry>.<id>.sess` (default `site/sessions`), written atomically and serialised per
 * file. Records read once are kept in memory (bounded), so a busy session costs no disk read per request; the
 * process owning the folder is the only writer, or the processes sharing it tell each other (`SharedSessionStore`).
 */
export class FileSessionStore implements SessionStore {
  private readonly cache = new Map<string, string>();
  private readonly mutex = new KeyedMutex();
  private dirReady: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly maxCachedRecords = 10_000,
  ) {}

  private fileOf(storeKey: string): string {
    if (!STORE_KEY_PATTERN.test(storeKey)) throw new InvalidArgumentError({ message: "Invalid session" });
    return resolveInside(this.dir, `${storeKey}.sess`);
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.dirReady;
  }

  private remember(storeKey: string, blob: string): void {
    this.cache.delete(storeKey);
    this.cache.set(storeKey, blob);
    if (this.cache.size > this.maxCachedRecords) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** Drops the copy in memory (another process changed or deleted the file). */
  forget(storeKey?: string): void {
    if (storeKey === undefined) this.cache.clear();
    else this.cache.delete(storeKey);
  }

  peek(storeKey: string): string | undefined {
    return this.cache.get(storeKey);
  }

  async read(storeKey: string): Promise<string | null> {
    const cached = this.cache.get(storeKey);
    if (cached !== undefined) return cached;
    try {
      const blob = await readFile(this.fileOf(storeKey), "utf8");
      this.remember(storeKey, blob);
      return blob;
    } catch {
      return null;
    }
  }

  write(storeKey: string, blob: string): Promise<void> {
    const file = this.fileOf(storeKey);
    return this.mutex.run(file, async () => {
      await this.ensureDir();
      await writeFileAtomic(file, blob, 0o600);
      this.remember(storeKey, blob);
    });
  }

  delete(storeKey: string): Promise<void> {
    const file = this.fileOf(storeKey);
    this.cache.delete(storeKey);
    return this.mutex.run(file, async () => {
      this.cache.delete(storeKey);
      await unlink(file).catch(() => undefined);
    });
  }

  async deleteExpired(nowUnix: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(
      names.map(async (name) => {
        const match = FILE_PATTERN.exec(name);
        if (!match) return;
        const storeKey = `${match[1]}.${match[2]}`;
        if (expiryOfStoreKey(storeKey) < nowUnix) await this.delete(storeKey);
      }),
    );
  }
}
