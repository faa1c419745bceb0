import { hash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { safeEqual } from "../crypto/safe-equal.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { WatchedFolder, type WatchSettings } from "../fs/watched-folder.js";

/**
 * Application passwords (API tokens): `sheaf_<public id>_<secret>`. The public id finds the record in O(1); only a
 * SHA-256 hash of the 256-bit secret is stored, so the file (`site/accounts/.tokens.json`, which PHP Kirby does
 * not read) never holds a usable credential. A token is shown once, when it is created.
 */

/** What a token may do within its owner's permissions: read-only, everything, or listed actions. */
export type TokenScope =
  | "read"
  | "full"
  | { readonly permissions: Readonly<Record<string, Readonly<Record<string, boolean>>>> };

export interface TokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly secretHash: string;
  readonly scope: TokenScope;
  readonly createdAt: number;
  /** Unix seconds, or null for a token that does not expire. */
  readonly expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

/** A token as the API shows it: never the secret or its hash. */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scope: TokenScope;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedIp: string | null;
  readonly userId: string;
}

const TOKEN_PATTERN = /^sheaf_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
/** Reads do not rewrite the file for every use: `lastUsed` is persisted at most this often per token. */
const LAST_USED_PERSIST_SECONDS = 60;

export function looksLikeToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let text = "";
  for (const byte of bytes) text += BASE32[byte & 31];
  return text;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function iso(unix: number | null): string | null {
  return unix === null ? null : new Date(unix * 1000).toISOString();
}

export function describeToken(record: TokenRecord): TokenInfo {
  return {
    id: record.id,
    name: record.name,
    scope: record.scope,
    createdAt: iso(record.createdAt) as string,
    expiresAt: iso(record.expiresAt),
    lastUsedAt: iso(record.lastUsedAt),
    lastUsedIp: record.lastUsedIp,
    userId: record.userId,
  };
}

export type TokenCheck =
  | { readonly ok: true; readonly record: TokenRecord; readonly firstUseInAWhile: boolean }
  | { readonly ok: false; readonly reason: "malformed" | "unknown" | "expired" | "revoked" };

/** Where uses of tokens are counted when several processes share the site (Redis), instead of the file. */
export interface TokenUsage {
  record(id: string, atUnix: number, ip: string): Promise<void>;
  all(): Promise<ReadonlyMap<string, { readonly atUnix: number; readonly ip: string }>>;
}

/** How a store shares its file with other processes serving the same site. */
export interface TokenSharing {
  /** Runs a read-modify-write of the file holding a lock across processes. */
  readonly lock: <T>(task: () => Promise<T>) => Promise<T>;
  /** Tells the other processes the file changed (they reload it at once). */
  readonly announce: () => Promise<void>;
  readonly usage?: TokenUsage;
}

export interface TokenStoreOptions {
  readonly watch?: boolean;
  readonly watching?: WatchSettings;
  readonly sharing?: TokenSharing;
}

export class TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  private readonly mutex = new KeyedMutex();
  private readonly persistedUse = new Map<string, number>();
  private watcher: WatchedFolder | null = null;

  private constructor(
    readonly file: string,
    private readonly sharing: TokenSharing | null,
  ) {}

  /** Opens the store; with `watch`, changes made by another process (the CLI) are picked up within a second. */
  static async open(
    accountsDir: string,
    { watch: shouldWatch = false, watching = {}, sharing }: TokenStoreOptions = {},
  ): Promise<TokenStore> {
    const store = new TokenStore(path.join(accountsDir, ".tokens.json"), sharing ?? null);
    await store.load();
    if (shouldWatch) {
      const fileName = path.basename(store.file);
      store.watcher = await WatchedFolder.open({
        ...watching,
        dir: accountsDir,
        name: "tokens",
        // only the file itself; account folders are none of the store's business
        include: (relativePath) => relativePath === fileName,
        reload: async () => {
          const problem = await store.mutex.run(store.file, () => store.load());
          if (problem !== null) throw problem;
        },
      });
    }
    return store;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  /** Re-reads the file now (another process announced a change). */
  async reload(): Promise<void> {
    const problem = await this.mutex.run(this.file, () => this.load());
    if (problem !== null) throw problem;
  }

  /** Brings `lastUsed` up to date from the shared usage counts (when kept outside the file). */
  async syncUsage(): Promise<void> {
    const usage = this.sharing?.usage;
    if (!usage) return;
    for (const [id, use] of await usage.all()) {
      const record = this.records.get(id);
      if (record && (record.lastUsedAt ?? 0) < use.atUnix) {
        record.lastUsedAt = use.atUnix;
        record.lastUsedIp = use.ip;
      }
    }
  }

  /** Resolves once every write started so far (e.g. a last-use record) is on disk. */
  idle(): Promise<void> {
    return this.mutex.run(this.file, async () => undefined);
  }

  /** Reads the file into memory; resolves with what was wrong with it (nothing is granted then), or null. */
  private async load(): Promise<Error | null> {
    let text: string | null = null;
    let problem: Error | null = null;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") problem = asError(error);
    }
    const previous = new Map(this.records);
    this.records.clear();
    if (!text) return problem;
    try {
      const raw = JSON.parse(text) as Record<string, TokenRecord>;
      for (const record of Object.values(raw)) {
        if (typeof record?.id !== "string" || typeof record.secretHash !== "string") continue;
        const known = previous.get(record.id);
        // uses seen in memory but not yet written are newer than the file
        const lastUsedAt = Math.max(record.lastUsedAt ?? 0, known?.lastUsedAt ?? 0) || null;
        this.records.set(record.id, { ...record, lastUsedAt, lastUsedIp: known?.lastUsedIp ?? record.lastUsedIp });
      }
    } catch (error) {
      // an unreadable file grants nothing; it is rewritten on the next change
      return asError(error);
    }
    return null;
  }

  /**
   * Re-reads the file, applies a change and writes it back, all inside the lock: neither a concurrent reload nor
   * another process's change (the CLI) is lost.
   */
  private async mutate<T>(change: () => T): Promise<T> {
    const apply = async (): Promise<T> => {
      await this.load();
      const result = change();
      await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.records), null, 1), 0o600);
      return result;
    };
    const sharing = this.sharing;
    if (!sharing) return this.mutex.run(this.file, apply);
    return this.mutex.run(this.file, () =>
      sharing.lock(async () => {
        const result = await apply();
        await sharing.announce();
        return result;
      }),
    );
  }

  /** Creates a token; returns the record and the one and only copy of the full token string. */
  async create(input: {
    userId: string;
    name: string;
    scope: TokenScope;
    expiresAt: number | null;
    now: number;
  }): Promise<{ record: TokenRecord; token: string }> {
    const secret = randomBytes(32).toString("base64url");
    const record = await this.mutate(() => {
      let id = randomBase32(16);
      while (this.records.has(id)) id = randomBase32(16);
      const created: TokenRecord = {
        id,
        userId: input.userId,
        name: input.name,
        secretHash: hashSecret(secret),
        scope: input.scope,
        createdAt: input.now,
        expiresAt: input.expiresAt,
        lastUsedAt: null,
        lastUsedIp: null,
      };
      this.records.set(id, created);
      return created;
    });
    return { record, token: `sheaf_${record.id}_${secret}` };
  }

  /** Checks a presented token: O(1) lookup, constant-time hash comparison, expiry. */
  verify(token: string, nowUnix: number): TokenCheck {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return { ok: false, reason: "malformed" };
    const record = this.records.get(match[1] as string);
    const presented = hashSecret(match[2] as string);
    if (!record) {
      safeEqual(presented, presented);
      return { ok: false, reason: "unknown" };
    }
    if (!safeEqual(presented, record.secretHash)) return { ok: false, reason: "unknown" };
    if (record.expiresAt !== null && record.expiresAt <= nowUnix) return { ok: false, reason: "expired" };
    const lastPersisted = this.persistedUse.get(record.id) ?? 0;
    return { ok: true, record, firstUseInAWhile: nowUnix - lastPersisted >= LAST_USED_PERSIST_SECONDS };
  }

  /** Records a use (time and address); written to disk at most once a minute per token. */
  async markUsed(record: TokenRecord, ip: string, nowUnix: number): Promise<void> {
    record.lastUsedAt = nowUnix;
    record.lastUsedIp = ip;
    const lastPersisted = this.persistedUse.get(record.id) ?? 0;
    if (nowUnix - lastPersisted < LAST_USED_PERSIST_SECONDS) return;
    this.persistedUse.set(record.id, nowUnix);
    const usage = this.sharing?.usage;
    if (usage) await usage.record(record.id, nowUnix, ip);
    else await this.mutate(() => undefined);
  }

  list(userId: string): TokenRecord[] {
    return [...this.records.values()]
      .filter((record) => record.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  get(id: string): TokenRecord | undefined {
    return this.records.get(id);
  }

  revoke(id: string): Promise<boolean> {
    return this.mutate(() => this.records.delete(id));
  }

  /** Revokes every token of a user (password change, role change, deletion). Returns how many. */
  async revokeAllOf(userId: string): Promise<number> {
    if (!this.list(userId).length) return 0;
    return this.mutate(() => {
      let count = 0;
      for (const record of [...this.records.values()]) {
        if (record.userId === userId && this.records.delete(record.id)) count++;
      }
      return count;
    });
  }
}
