import { expiryOfStoreKey } from "./store.js";

export interface AnonymousCacheLimits {
  /** Most records held. */
  readonly maxEntries: number;
  /** Most characters (store keys and records together) held. */
  readonly maxChars: number;
}

/** About 300 bytes per record: 10,000 anonymous visitors within a session's lifetime fit in a few megabytes. */
export const DEFAULT_ANONYMOUS_LIMITS: AnonymousCacheLimits = { maxEntries: 10_000, maxChars: 4 * 1024 * 1024 };

/**
 * Sessions that hold nothing but a CSRF token (anonymous visitors, what logout leaves): kept in process memory,
 * bounded in count and size, least recently used first out, so that anonymous requests never write to disk. A
 * visitor pushed out simply gets a new session (and CSRF token) on the next request that needs one.
 */
export class AnonymousSessionCache {
  private readonly records = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly limits: AnonymousCacheLimits = DEFAULT_ANONYMOUS_LIMITS,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /** Characters held (keys and records). */
  get heldChars(): number {
    return this.chars;
  }

  get maxEntries(): number {
    return this.limits.maxEntries;
  }

  get maxChars(): number {
    return this.limits.maxChars;
  }

  peek(storeKey: string): string | undefined {
    const record = this.records.get(storeKey);
    if (record === undefined) return undefined;
    if (expiryOfStoreKey(storeKey) < this.now()) {
      this.delete(storeKey);
      return undefined;
    }
    return record;
  }

  /** The record, marked as recently used. */
  get(storeKey: string): string | undefined {
    const record = this.peek(storeKey);
    if (record !== undefined) {
      this.records.delete(storeKey);
      this.records.set(storeKey, record);
    }
    return record;
  }

  set(storeKey: string, record: string): void {
    this.delete(storeKey);
    const cost = storeKey.length + record.length;
    if (cost > this.limits.maxChars) return;
    this.records.set(storeKey, record);
    this.chars += cost;
    while (this.records.size > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      const oldest = this.records.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(storeKey: string): void {
    const record = this.records.get(storeKey);
    if (record === undefined) return;
    this.records.delete(storeKey);
    this.chars -= storeKey.length + record.length;
  }
}
