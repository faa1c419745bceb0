export interface MemoLimits {
  /** Most entries held. */
  readonly maxEntries: number;
  /** Most characters held, as counted by the caller for each entry. */
  readonly maxChars: number;
}

interface MemoEntry<V> {
  readonly value: V;
  readonly chars: number;
  /** Entry is dropped when the clock passes this (same unit as the clock). */
  readonly expiresAt: number;
}

/**
 * A memo of checks already made, bounded in count and in size and with expiring entries, least recently used out
 * first: whatever callers put in, it can pin no more memory than its limits.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, MemoEntry<V>>();
  private chars = 0;

  constructor(
    private readonly limits: MemoLimits,
    private readonly now: () => number,
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

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt < this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers `value`; an entry larger than the whole memo is not remembered. */
  set(key: string, value: V, chars: number, expiresAt: number): void {
    this.delete(key);
    const cost = key.length + chars;
    if (cost > this.limits.maxChars) return;
    this.entries.set(key, { value, chars: cost, expiresAt });
    this.chars += cost;
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      this.delete(this.entries.keys().next().value as string);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.chars -= entry.chars;
  }
}
