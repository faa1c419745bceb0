import { expiryOfStoreKey, type SessionStore } from "./store.js";

/** Sessions in process memory: for tests and single-process setups that need nothing on disk. */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, string>();

  peek(storeKey: string): string | undefined {
    return this.records.get(storeKey);
  }

  async read(storeKey: string): Promise<string | null> {
    return this.records.get(storeKey) ?? null;
  }

  async write(storeKey: string, blob: string): Promise<void> {
    this.records.set(storeKey, blob);
  }

  async delete(storeKey: string): Promise<void> {
    this.records.delete(storeKey);
  }

  async deleteExpired(nowUnix: number): Promise<void> {
    for (const key of this.records.keys()) {
      if (expiryOfStoreKey(key) < nowUnix) this.records.delete(key);
    }
  }

  get size(): number {
    return this.records.size;
  }
}
