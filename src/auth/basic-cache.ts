import { hash, randomBytes } from "node:crypto";

/**
 * Remembers successful Basic-auth password checks for a short time, so a script sending the same credentials
 * does not pay a full bcrypt verification on every request. Entries are keyed by an HMAC of the credentials under
 * a per-process random key (the password itself is never kept), are tied to the user's current password hash
 * (a password change misses at once), and are dropped when the user's password changes. Failures are never kept.
 */
export class BasicAuthCache {
  private readonly key = randomBytes(32).toString("hex");
  private readonly entries = new Map<string, { userId: string; passwordHash: string; expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  /**
   * SHA-256 of the secret key and the credentials. The digest never leaves the process, so a keyed hash is enough
   * here (no HMAC construction needed), and the one-shot call is several times cheaper on every Basic request.
   */
  private keyOf(username: string, password: string): string {
    return hash("sha256", `${this.key}\u0000${username}\u0000${password}`, "base64");
  }

  /** The user id remembered for these credentials, if still valid for that user's current password hash. */
  get(username: string, password: string, currentHashOf: (userId: string) => string | null): string | null {
    if (!this.enabled) return null;
    const key = this.keyOf(username, password);
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAtMs <= Date.now() || currentHashOf(entry.userId) !== entry.passwordHash) {
      this.entries.delete(key);
      return null;
    }
    return entry.userId;
  }

  remember(username: string, password: string, userId: string, passwordHash: string): void {
    if (!this.enabled) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(this.keyOf(username, password), {
      userId,
      passwordHash,
      expiresAtMs: Date.now() + this.ttlSeconds * 1000,
    });
  }

  /** Drops every remembered check (notices from other processes may have been missed). */
  forgetAll(): void {
    this.entries.clear();
  }

  /** Drops every remembered check of a user (password change, role change, deletion). */
  forgetUser(userId: string): void {
    for (const [key, entry] of this.entries) if (entry.userId === userId) this.entries.delete(key);
  }
}
