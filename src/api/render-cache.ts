/**
 * A least-recently-used map of rendered texts, bounded by the memory its keys and values take (two bytes per
 * UTF-16 code unit). Keys may come from request input (`select`), so only a bound in bytes keeps it small.
 */
export class RenderCache {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
  ) {}

  /** Bytes held by keys and values now. */
  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores a value unless it alone is larger than `maxEntryBytes`; the least recently used entries make room. */
  set(key: string, value: string): void {
    const cost = entryBytes(key, value);
    if (cost > this.maxEntryBytes) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.bytes -= entryBytes(key, previous);
    }
    this.entries.set(key, value);
    this.bytes += cost;
    for (const [oldestKey, oldestValue] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldestKey);
      this.bytes -= entryBytes(oldestKey, oldestValue);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

function entryBytes(key: string, value: string): number {
  return 2 * (key.length + value.length);
}
