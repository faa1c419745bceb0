import { openRecord, sealKey, sealRecord, unsealKey, type ActiveSessionRecord } from "./record.js";
import { Session, type SessionTransport } from "./session.js";
import type { SessionStore } from "./store.js";
import { MemorySessionRegistry, type SessionEntry, type SessionRegistry } from "./registry.js";
import { BoundedMemo, type MemoLimits } from "../cache/bounded-memo.js";
import { AnonymousSessionCache, DEFAULT_ANONYMOUS_LIMITS, type AnonymousCacheLimits } from "./anonymous-cache.js";
import { formatToken, generateToken, parseToken, storeKeyOf, type SessionToken } from "./token.js";

export interface SessionManagerOptions {
  readonly durationNormalSeconds: number;
  readonly durationLongSeconds: number;
  readonly timeoutSeconds: number | false;
  /** Garbage collection runs on about 1 in `gcInterval` commits; false disables it. */
  readonly gcInterval: number | false;
  /** How long an old token keeps forwarding to its renewed session (seconds). */
  readonly renewalGraceSeconds?: number;
  /** Bounds of the in-memory home of sessions that hold nothing but a CSRF token. */
  readonly anonymousLimits?: AnonymousCacheLimits;
  /** Bounds of the memo of records already verified. */
  readonly verifiedLimits?: MemoLimits;
  /**
   * Keep anonymous sessions in process memory (default true). Processes sharing a site set it false: a CSRF
   * token handed out by one process must be known to the others.
   */
  readonly anonymousInMemory?: boolean;
}

const CSRF_KEY = "kirby.csrf";

/** A record with nothing worth a file: no user, no challenge, at most a CSRF token. */
function isAnonymousRecord(record: ActiveSessionRecord): boolean {
  for (const key in record.data) if (key !== CSRF_KEY) return false;
  return true;
}

export type Clock = () => number;
export const unixNow: Clock = () => Math.floor(Date.now() / 1000);

const MAX_FORWARDS = 3;
/** Bounds of the memo of verified records: count, and characters of token texts and records together. */
const VERIFIED_LIMITS: MemoLimits = { maxEntries: 10_000, maxChars: 8 * 1024 * 1024 };

interface VerifiedRecord {
  readonly token: SessionToken;
  readonly storeKey: string;
  /** The stored text the record was opened from. */
  readonly blob: string;
  readonly record: ActiveSessionRecord;
}

function cloneRecord(record: ActiveSessionRecord): ActiveSessionRecord {
  return { ...record, data: { ...record.data }, ...(record.meta ? { meta: { ...record.meta } } : {}) };
}

/**
 * Session lifecycle: load (validate, follow a renewal pointer, renew at half-life, refresh activity), create,
 * extend to long, regenerate the token, destroy, and commit the result to the store once per request.
 */
export class SessionManager {
  private readonly graceSeconds: number;
  /**
   * Records already verified, by token text, with the exact stored text they were verified from: a busy session
   * is not parsed, re-hashed or read again on every request. A changed record (a new text) is verified again.
   */
  readonly verified: BoundedMemo<VerifiedRecord>;
  /** Anonymous sessions: never written to the store (so never to disk) while they hold only a CSRF token. */
  readonly anonymous: AnonymousSessionCache;
  /** Sessions whose record was read from the store (not from `anonymous`) in this request. */
  private readonly storedSessions = new WeakSet<Session>();

  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionManagerOptions,
    private readonly now: Clock = unixNow,
    private readonly registry: SessionRegistry = new MemorySessionRegistry(),
  ) {
    this.graceSeconds = options.renewalGraceSeconds ?? 30;
    this.verified = new BoundedMemo(options.verifiedLimits ?? VERIFIED_LIMITS, now);
    this.anonymous = new AnonymousSessionCache(options.anonymousLimits ?? DEFAULT_ANONYMOUS_LIMITS, now);
  }

  private peekBlob(storeKey: string): { blob: string; stored: boolean } | undefined {
    const anonymous = this.anonymous.peek(storeKey);
    if (anonymous !== undefined) return { blob: anonymous, stored: false };
    const stored = this.store.peek?.(storeKey);
    return stored === undefined ? undefined : { blob: stored, stored: true };
  }

  private async readBlob(storeKey: string): Promise<{ blob: string; stored: boolean } | null> {
    const anonymous = this.anonymous.get(storeKey);
    if (anonymous !== undefined) return { blob: anonymous, stored: false };
    const stored = await this.store.read(storeKey);
    return stored === null ? null : { blob: stored, stored: true };
  }

  /** Writes a record where it belongs: anonymous ones in memory (dropping any stored copy), others to the store. */
  private async writeBlob(storeKey: string, blob: string, anonymous: boolean, storedBefore: boolean): Promise<void> {
    if (anonymous && this.options.anonymousInMemory !== false) {
      this.anonymous.set(storeKey, blob);
      if (storedBefore) await this.store.delete(storeKey);
      return;
    }
    await this.store.write(storeKey, blob);
    this.anonymous.delete(storeKey);
  }

  private async deleteBlob(storeKey: string): Promise<void> {
    const wasAnonymous = this.anonymous.peek(storeKey) !== undefined;
    this.anonymous.delete(storeKey);
    if (!wasAnonymous) await this.store.delete(storeKey);
  }

  /** Loads the session of a token; null when it is unknown, forged, expired or timed out. */
  load(tokenText: string, transport: SessionTransport): Promise<Session | null> {
    const known = this.loadKnown(tokenText, transport);
    return known === undefined ? this.loadFromStore(tokenText, transport) : Promise.resolve(known);
  }

  /**
   * The session of a token whose record this process has verified and still holds unchanged in the store's
   * memory: no parsing, hashing or I/O. Undefined when only the store can tell (an unknown token, a record
   * changed, forwarded or dropped since).
   */
  loadKnown(tokenText: string, transport: SessionTransport): Session | null | undefined {
    const known = this.verified.get(tokenText);
    if (known === undefined) return undefined;
    const held = this.peekBlob(known.storeKey);
    if (held?.blob !== known.blob) return undefined;
    const now = this.now();
    if (known.token.expiresAtUnix < now) return null;
    return this.activate(known.token, cloneRecord(known.record), transport, now, held.stored);
  }

  private async loadFromStore(tokenText: string, transport: SessionTransport): Promise<Session | null> {
    const parsed = parseToken(tokenText);
    if (!parsed) return null;
    let token: SessionToken = parsed;
    const now = this.now();
    if (token.expiresAtUnix < now) return null;

    for (let hop = 0; hop <= MAX_FORWARDS; hop++) {
      const storeKey = storeKeyOf(token);
      const held = await this.readBlob(storeKey);
      if (held === null) return null;
      const blob = held.blob;
      const text = hop === 0 ? tokenText : formatToken(token);
      const known = this.verified.get(text);
      const record = known && known.blob === blob ? cloneRecord(known.record) : openRecord(blob, token.key);
      if (!record) return null;
      if (record.kind === "active" && !(known && known.blob === blob)) {
        // the record is held twice: as text and parsed
        this.verified.set(
          text,
          { token, storeKey, blob, record: cloneRecord(record) },
          storeKey.length + 2 * blob.length,
          token.expiresAtUnix + 60,
        );
      }
      if (record.kind === "moved") {
        if (now > record.movedUntilUnix) return null;
        const key = unsealKey(record.sealedNewKey, token.key);
        const next = key ? parseToken(`${record.newStoreKey}.${key}`) : null;
        if (!next) return null;
        token = next;
        continue;
      }
      return this.activate(token, record, transport, now, held.stored);
    }
    return null;
  }

  /** A loaded record that is still alive becomes this request's session: renewed or refreshed when due. */
  private activate(
    token: SessionToken,
    record: ActiveSessionRecord,
    transport: SessionTransport,
    now: number,
    stored: boolean,
  ): Session | null {
    if (!this.isAlive(record, now)) return null;
    // A forwarded (older) token acts on the current session; as in Kirby, no cookie is sent for that.
    const session = new Session(token, record, transport, true);
    if (stored) this.storedSessions.add(session);
    this.renewIfHalfGone(session, now);
    this.refreshActivity(session, now);
    return session;
  }

  private isAlive(record: ActiveSessionRecord, now: number): boolean {
    if (record.startedAtUnix > now + 60 || record.expiresAtUnix < now) return false;
    if (record.timeoutSeconds !== false) {
      const last = record.lastActivityAtUnix ?? record.startedAtUnix;
      if (now - last > record.timeoutSeconds) return false;
    }
    return true;
  }

  private renewIfHalfGone(session: Session, now: number): void {
    const record = session.record;
    // A header-transport client is never told a new token, so its session is not renewed.
    if (session.transport !== "cookie" || !record.renewable) return;
    if (record.expiresAtUnix - now >= record.durationSeconds / 2) return;
    record.expiresAtUnix = now + record.durationSeconds;
    session.replaceToken(generateToken(record.expiresAtUnix), { privilegeChange: false });
  }

  private refreshActivity(session: Session, now: number): void {
    const record = session.record;
    if (record.timeoutSeconds === false) return;
    const last = record.lastActivityAtUnix ?? record.startedAtUnix;
    if (now - last > record.timeoutSeconds / 15) {
      record.lastActivityAtUnix = now;
      session.markChanged();
    }
  }

  /** A new cookie session (in memory until committed). */
  create({ long = false }: { long?: boolean } = {}): Session {
    const now = this.now();
    const duration = long ? this.options.durationLongSeconds : this.options.durationNormalSeconds;
    const timeout = long ? false : this.options.timeoutSeconds;
    const record: ActiveSessionRecord = {
      kind: "active",
      startedAtUnix: now,
      expiresAtUnix: now + duration,
      durationSeconds: duration,
      timeoutSeconds: timeout,
      lastActivityAtUnix: timeout === false ? null : now,
      renewable: true,
      data: {},
    };
    return new Session(generateToken(record.expiresAtUnix), record, "cookie", false);
  }

  /** "Less strict wins": turns a normal session into a long one (new expiry, new token); never shortens. */
  extendToLong(session: Session): void {
    if (session.isLong) return;
    const now = this.now();
    const record = session.record;
    record.durationSeconds = this.options.durationLongSeconds;
    record.expiresAtUnix = now + record.durationSeconds;
    record.timeoutSeconds = false;
    record.lastActivityAtUnix = null;
    session.replaceToken(generateToken(record.expiresAtUnix), { privilegeChange: false });
  }

  /** New id and key, same expiry and data. A privilege change (login, logout) kills the old token at once. */
  regenerate(session: Session, { privilegeChange }: { privilegeChange: boolean }): void {
    session.replaceToken(generateToken(session.record.expiresAtUnix), { privilegeChange });
  }

  destroy(session: Session): void {
    session.markDestroyed();
  }

  /** Writes what the request changed. Old tokens either die (privilege change) or forward for a grace period. */
  async commit(session: Session): Promise<void> {
    const loaded = session.loadedToken;
    const loadedKey = loaded ? storeKeyOf(loaded) : null;
    if (session.isDestroyed) {
      await Promise.all([
        loadedKey ? this.deleteBlob(loadedKey) : undefined,
        session.isNew ? undefined : this.deleteBlob(session.storeKey),
      ]);
      if (loadedKey) await this.registry.remove(loadedKey);
      return;
    }
    if (!session.isChanged) return;
    const anonymous = isAnonymousRecord(session.record);
    const stored = this.storedSessions.has(session);
    await this.writeBlob(
      session.storeKey,
      sealRecord(session.record, session.token.key),
      anonymous,
      stored && loadedKey === session.storeKey,
    );
    // tokens handed out earlier in this same response (e.g. a long login's first cookie) forward to the last one
    for (const issued of session.issuedTokens) {
      if (issued !== session.token && storeKeyOf(issued) !== loadedKey)
        await this.writeForward(issued, session.token, anonymous, false);
    }
    const keyChanged = loaded !== null && loadedKey !== session.storeKey;
    if (keyChanged) {
      if (session.hasPrivilegeChange) {
        await this.deleteBlob(loadedKey as string);
      } else {
        await this.writeForward(loaded, session.token, anonymous, stored);
      }
      await this.registry.remove(loadedKey as string);
    }
    const userId = session.get("kirby.userId");
    if (typeof userId === "string") {
      const meta = session.record.meta ?? {};
      await this.registry.upsert(userId, {
        storeKey: session.storeKey,
        createdAt: session.record.startedAtUnix,
        lastSeenAt: this.now(),
        ip: meta.createdIp ?? null,
        userAgent: meta.userAgent ?? null,
      });
    } else if (!session.isNew && !keyChanged) {
      await this.registry.remove(session.storeKey);
    }
    this.maybeCollectGarbage();
  }

  /** Live sessions of a user (for session management). */
  listUserSessions(userId: string): Promise<SessionEntry[]> {
    return this.registry.list(userId, this.now());
  }

  /** Ends one session of a user by its public id (the middle part of its token). */
  async revokeUserSession(userId: string, publicId: string): Promise<boolean> {
    const entries = await this.registry.list(userId, this.now());
    const entry = entries.find((candidate) => candidate.storeKey.split(".")[1] === publicId);
    if (!entry) return false;
    await this.store.delete(entry.storeKey);
    await this.registry.remove(entry.storeKey);
    return true;
  }

  /** Ends every session of a user, except one store key (the acting session). Returns how many ended. */
  async revokeUserSessions(userId: string, { exceptStoreKey }: { exceptStoreKey?: string } = {}): Promise<number> {
    const entries = await this.registry.takeAll(userId);
    let count = 0;
    for (const entry of entries) {
      if (entry.storeKey === exceptStoreKey) {
        await this.registry.upsert(userId, entry);
        continue;
      }
      await this.store.delete(entry.storeKey);
      count++;
    }
    return count;
  }

  private async writeForward(
    from: SessionToken,
    to: SessionToken,
    anonymous: boolean,
    storedBefore: boolean,
  ): Promise<void> {
    const pointer = {
      kind: "moved" as const,
      movedUntilUnix: this.now() + this.graceSeconds,
      newStoreKey: storeKeyOf(to),
      sealedNewKey: sealKey(to.key, from.key),
    };
    await this.writeBlob(storeKeyOf(from), sealRecord(pointer, from.key), anonymous, storedBefore);
  }

  private maybeCollectGarbage(): void {
    const interval = this.options.gcInterval;
    if (interval === false || Math.random() * interval >= 1) return;
    void this.store.deleteExpired(this.now()).catch(() => undefined);
  }

  /** Stops the store listening to other processes (the server is closing). */
  async closeStore(): Promise<void> {
    await this.store.close?.();
  }

  async collectGarbage(): Promise<void> {
    await this.store.deleteExpired(this.now());
  }
}
