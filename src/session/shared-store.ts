import type { Coordination } from "../coord/coordination.js";
import type { SessionStore } from "./store.js";

/** The store's part that can drop what it remembers. */
export interface ForgettingStore extends SessionStore {
  /** Drops one remembered record, or every one without a key. */
  forget?(storeKey?: string): void;
}

const TOPIC = "session";

/**
 * A session store shared by several processes: records this process read or wrote are remembered (so a busy
 * session costs no I/O per request, as with one process), every write and delete is announced, and a record
 * another process announced is forgotten before the next request can use it. While announcements may be missed
 * (the coordination is not live), nothing is answered from memory.
 */
export class SharedSessionStore implements SessionStore {
  private readonly cache = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: ForgettingStore,
    private readonly coordination: Coordination,
    private readonly maxCachedRecords = 10_000,
  ) {
    this.unsubscribe = coordination.subscribe((topic, storeKey) => {
      if (topic === TOPIC) {
        this.cache.delete(storeKey);
        inner.forget?.(storeKey);
      } else if (topic === "*") {
        this.cache.clear();
        inner.forget?.();
      }
    });
  }

  private remember(storeKey: string, blob: string): void {
    this.cache.delete(storeKey);
    this.cache.set(storeKey, blob);
    if (this.cache.size > this.maxCachedRecords) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  peek(storeKey: string): string | undefined {
    return this.coordination.live ? this.cache.get(storeKey) : undefined;
  }

  async read(storeKey: string): Promise<string | null> {
    const cached = this.peek(storeKey);
    if (cached !== undefined) return cached;
    const blob = await this.inner.read(storeKey);
    if (blob !== null && this.coordination.live) this.remember(storeKey, blob);
    return blob;
  }

  async write(storeKey: string, blob: string): Promise<void> {
    this.cache.delete(storeKey);
    await this.inner.write(storeKey, blob);
    await this.coordination.publish(TOPIC, storeKey);
    this.remember(storeKey, blob);
  }

  async delete(storeKey: string): Promise<void> {
    this.cache.delete(storeKey);
    await this.inner.delete(storeKey);
    await this.coordination.publish(TOPIC, storeKey);
  }

  deleteExpired(nowUnix: number): Promise<void> {
    return this.inner.deleteExpired(nowUnix);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.inner.close?.();
  }
}
