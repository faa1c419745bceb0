export interface MemoLimits {
  /** Most entries held. */
  readonly maxEntries: number;
  /** Most characters held, as counted by the caller for each entry (plus its key). */
  readonly maxChars: number;
  /** Largest single entry worth keeping (default: `maxChars`). */
  readonly maxEntryChars?: number;
}

interface MemoEntry<V> {
  readonly value: V;
  readonly chars: number;
  /** Entry is dropped when the clock passes this (same unit as the clock). */
  readonly expiresAt: number;
}

/**
 * The one bounded cache every in-memory memo uses (verified cookies and session records, anonymous sessions,
 * rendered models): bounded in count and in size, entries expire, least recently used out first. Whatever callers
 * put in, and request input decides much of it, it can pin no more memory than its limits.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, MemoEntry<V>>();
  private chars = 0;

  constructor(
    private readonly limits: MemoLimits,
    private readonly now: () => number = () => 0,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get heldChars(): number {
    return this.chars;
  }

  get maxEntries(): number {
    return this.limits.maxEntries;
  }

  get maxChars(): number {
    return this.limits.maxChars;
  }

  /** The value, marked as recently used. */
  get(key: string): V | undefined {
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value, leaving its place in the eviction order alone. */
  peek(key: string): V | undefined {
    return this.live(key)?.value;
  }

  private live(key: string): MemoEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt < this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remembers `value` (costing `chars` plus its key) until `expiresAt`; an entry over the size limits is not kept. */
  set(key: string, value: V, chars: number, expiresAt = Number.POSITIVE_INFINITY): void {
    this.delete(key);
    const cost = key.length + chars;
    if (cost > (this.limits.maxEntryChars ?? this.limits.maxChars) || cost > this.limits.maxChars) return;
    this.entries.set(key, { value, chars: cost, expiresAt });
    this.chars += cost;
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      this.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.chars -= entry.chars;
  }
}
