import { BoundedMemo } from "../cache/bounded-memo.js";
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
  private readonly records: BoundedMemo<string>;

  constructor(limits: AnonymousCacheLimits = DEFAULT_ANONYMOUS_LIMITS, now: () => number) {
    this.records = new BoundedMemo<string>(limits, now);
  }

  get size(): number {
    return this.records.size;
  }

  /** Characters held (keys and records). */
  get heldChars(): number {
    return this.records.heldChars;
  }

  get maxEntries(): number {
    return this.records.maxEntries;
  }

  get maxChars(): number {
    return this.records.maxChars;
  }

  peek(storeKey: string): string | undefined {
    return this.records.peek(storeKey);
  }

  /** The record, marked as recently used. */
  get(storeKey: string): string | undefined {
    return this.records.get(storeKey);
  }

  set(storeKey: string, record: string): void {
    // a store key carries its session's expiry: the record is forgotten with it
    this.records.set(storeKey, record, record.length, expiryOfStoreKey(storeKey));
  }

  delete(storeKey: string): void {
    this.records.delete(storeKey);
  }
}
