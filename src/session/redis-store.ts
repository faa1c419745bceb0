import type { RedisCoordination } from "../coord/redis-coordination.js";
import { InvalidArgumentError } from "../errors.js";
import type { SessionStore } from "./store.js";
import { expiryOfStoreKey } from "./store.js";

const STORE_KEY_PATTERN = /^[0-9]+\.[a-z0-9]+$/;
/** Records outlive their token's expiry a little, as files do until garbage collection. */
const GRACE_SECONDS = 60;

/**
 * Session records in Redis under `<prefix>session:<expiry>.<id>` (the same sealed text the file store writes),
 * each expiring with its token, so no garbage collection is needed. Memory, announcements and forgetting are
 * `SharedSessionStore`'s job; every call here goes to the server, and fails with 503 while it is away.
 */
export class RedisSessionStore implements SessionStore {
  constructor(private readonly redis: RedisCoordination) {}

  private keyOf(storeKey: string): string {
    if (!STORE_KEY_PATTERN.test(storeKey)) throw new InvalidArgumentError({ message: "Invalid session" });
    return this.redis.keyOf("session", storeKey);
  }

  read(storeKey: string): Promise<string | null> {
    const key = this.keyOf(storeKey);
    return this.redis.run((client) => client.get(key));
  }

  async write(storeKey: string, blob: string): Promise<void> {
    const key = this.keyOf(storeKey);
    const expiresAt = expiryOfStoreKey(storeKey) + GRACE_SECONDS;
    await this.redis.run((client) => client.set(key, blob, "EXAT", expiresAt));
  }

  async delete(storeKey: string): Promise<void> {
    const key = this.keyOf(storeKey);
    await this.redis.run((client) => client.del(key));
  }

  async deleteExpired(): Promise<void> {
    // Redis expires every record by itself
  }
}
