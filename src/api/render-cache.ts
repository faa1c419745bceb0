import { BoundedMemo } from "../cache/bounded-memo.js";

/**
 * Rendered texts by key, bounded by the memory keys and values take (two bytes per UTF-16 code unit), least
 * recently used out first. Keys may come from request input (`select`), so only a bound in bytes keeps it small.
 */
export class RenderCache {
  private readonly entries: BoundedMemo<string>;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
  ) {
    // the memo counts characters: half the byte limits
    this.entries = new BoundedMemo<string>({
      maxEntries: Number.MAX_SAFE_INTEGER,
      maxChars: Math.floor(maxBytes / 2),
      maxEntryChars: Math.floor(maxEntryBytes / 2),
    });
  }

  /** Bytes held by keys and values now. */
  get size(): number {
    return 2 * this.entries.heldChars;
  }

  get count(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** Stores a value unless it alone is larger than `maxEntryBytes`; the least recently used entries make room. */
  set(key: string, value: string): void {
    this.entries.set(key, value, value.length);
  }

  clear(): void {
    this.entries.clear();
  }
}
