/**
 * Where session records live. Records are opaque, integrity-protected strings (see `record.ts`); a store only
 * keeps them under `<expiry>.<id>` and forgets them after their expiry. File, memory and (later) shared stores
 * implement this one small contract.
 */
export interface SessionStore {
  read(storeKey: string): Promise<string | null>;
  /**
   * The record as this process last read or wrote it, without any I/O: the text, or undefined when only `read`
   * can tell. A store that keeps nothing in memory need not implement it.
   */
  peek?(storeKey: string): string | undefined;
  write(storeKey: string, blob: string): Promise<void>;
  delete(storeKey: string): Promise<void>;
  /** Deletes every record whose expiry (the number before the first dot) is before `nowUnix`. */
  deleteExpired(nowUnix: number): Promise<void>;
  close?(): Promise<void>;
}

export function expiryOfStoreKey(storeKey: string): number {
  return Number(storeKey.slice(0, storeKey.indexOf(".")));
}
