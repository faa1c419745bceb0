import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";

/** One counter of failed attempts: `time` = last failure (Unix seconds), `trials` = failures in the window. */
export interface TrialEntry {
  time: number;
  trials: number;
}

/**
 * Failures per hashed client IP and per e-mail of existing users (Kirby's `.logins` document), and Sheaf's
 * failures per (e-mail, hashed IP) pair, kept in a file of its own so `.logins` stays exactly Kirby's.
 */
export interface LoginsLog {
  "by-ip": Record<string, TrialEntry>;
  "by-email": Record<string, TrialEntry>;
  "by-email-ip": Record<string, TrialEntry>;
}

const CATEGORIES = ["by-ip", "by-email", "by-email-ip"] as const;

/** Storage of the throttle log behind one small contract: read-modify-write under a lock. */
export interface ThrottleStore {
  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T>;
  /** The log for a decision only (no pruning, no write); may be up to `maxAgeMs` old. Never modify it. */
  read(maxAgeMs: number): Promise<LoginsLog>;
}

const ipHashes = new Map<string, string>();
const MAX_IP_HASHES = 10_000;

export function hashIp(ip: string): string {
  let hashed = ipHashes.get(ip);
  if (hashed === undefined) {
    hashed = createHash("sha256").update(ip).digest("hex").slice(0, 50);
    if (ipHashes.size >= MAX_IP_HASHES) ipHashes.delete(ipHashes.keys().next().value as string);
    ipHashes.set(ip, hashed);
  }
  return hashed;
}

function emptyLog(): LoginsLog {
  return { "by-ip": {}, "by-email": {}, "by-email-ip": {} };
}

function isEntry(value: unknown): value is TrialEntry {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as TrialEntry).time === "number" &&
    typeof (value as TrialEntry).trials === "number"
  );
}

/** Parses `.logins` (and the pairs file): invalid content ⇒ empty; unknown keys and malformed entries dropped. */
export function parseLoginsLog(text: string | null): LoginsLog {
  if (!text) return emptyLog();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyLog();
  }
  const log = emptyLog();
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return log;
  for (const category of CATEGORIES) {
    const entries = (raw as Record<string, unknown>)[category];
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) continue;
    for (const [key, value] of Object.entries(entries)) if (isEntry(value)) log[category][key] = { ...value };
  }
  return log;
}

/** Compact JSON as Kirby writes it; an empty category is `[]`. */
export function serializeLoginsLog(log: LoginsLog): string {
  const category = (entries: Record<string, TrialEntry>): unknown => (Object.keys(entries).length ? entries : []);
  return JSON.stringify({ "by-ip": category(log["by-ip"]), "by-email": category(log["by-email"]) });
}

/** Removes entries whose last failure is older than the window. Returns whether anything was removed. */
export function pruneExpired(log: LoginsLog, nowUnix: number, windowSeconds: number): boolean {
  let changed = false;
  for (const category of CATEGORIES) {
    for (const [key, entry] of Object.entries(log[category])) {
      if (entry.time <= nowUnix - windowSeconds) {
        delete log[category][key];
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * `site/accounts/.logins` (Kirby's format) plus `.logins-pairs` (Sheaf's per account-and-address counters),
 * re-read on every use so edits and other tools are honoured; writes are atomic, a file with nothing left is
 * deleted.
 */
export class FileThrottleStore implements ThrottleStore {
  private readonly mutex = new KeyedMutex();
  private cached: { log: LoginsLog; atMs: number } | null = null;
  readonly file: string;
  readonly pairsFile: string;

  constructor(accountsDir: string) {
    this.file = path.join(accountsDir, ".logins");
    this.pairsFile = path.join(accountsDir, ".logins-pairs");
  }

  private async persist(file: string, before: string | null, after: string, empty: boolean): Promise<void> {
    if (empty) {
      if (before !== null) await unlink(file).catch(() => undefined);
    } else if (before !== after) {
      await writeFileAtomic(file, after, 0o600);
    }
  }

  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    return this.mutex.run(this.file, async () => {
      const [text, pairsText] = await Promise.all([
        readFile(this.file, "utf8").catch(() => null),
        readFile(this.pairsFile, "utf8").catch(() => null),
      ]);
      const log = parseLoginsLog(text);
      log["by-email-ip"] = parseLoginsLog(pairsText)["by-email-ip"];
      const outcome = change(log);
      const next = outcome.log;
      this.cached = { log: next, atMs: Date.now() };
      await this.persist(
        this.file,
        text,
        serializeLoginsLog(next),
        !Object.keys(next["by-ip"]).length && !Object.keys(next["by-email"]).length,
      );
      await this.persist(
        this.pairsFile,
        pairsText,
        JSON.stringify({ "by-email-ip": next["by-email-ip"] }),
        !Object.keys(next["by-email-ip"]).length,
      );
      return outcome.result;
    });
  }

  async read(maxAgeMs: number): Promise<LoginsLog> {
    if (this.cached && Date.now() - this.cached.atMs < maxAgeMs) return this.cached.log;
    const [text, pairsText] = await Promise.all([
      readFile(this.file, "utf8").catch(() => null),
      readFile(this.pairsFile, "utf8").catch(() => null),
    ]);
    const log = parseLoginsLog(text);
    log["by-email-ip"] = parseLoginsLog(pairsText)["by-email-ip"];
    this.cached = { log, atMs: Date.now() };
    return log;
  }
}

export class MemoryThrottleStore implements ThrottleStore {
  private log = emptyLog();

  async update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    const outcome = change(this.log);
    this.log = outcome.log;
    return outcome.result;
  }

  async read(): Promise<LoginsLog> {
    return this.log;
  }
}

export interface ThrottleOptions {
  readonly trials: number;
  readonly windowSeconds: number;
  /** Longest per-account back-off (seconds) once an account has `trials` failures from anywhere. */
  readonly backoffMaxSeconds: number;
  readonly now: () => number;
}

/** Why and how long an attempt is refused; `null` when it may proceed. */
export interface ThrottleDecision {
  readonly blocked: boolean;
  /** Seconds until an attempt may succeed again (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** What the throttle knows about the caller beyond address and account. */
export interface ThrottleCaller {
  /** The caller presents proof (a signed device cookie) that it logged in to this account before. */
  readonly knownDevice?: boolean;
}

/**
 * Brute-force throttling that cannot be turned against an account owner:
 * - per client IP, Kirby's rule: `trials` failures within the sliding window block that IP;
 * - per (e-mail, IP): `trials` failures for one account from one address block that address for that account;
 * - per e-mail, across addresses: once the account has `trials` failures from anywhere (a small ceiling), every
 *   address that has failed itself waits an exponential back-off after its own last failure (1 s, 2 s, 4 s … up to
 *   `backoffMaxSeconds`). An address that never failed, and a device that logged in to the account before, are not
 *   slowed: many attacking addresses cannot keep the owner out, as Kirby's hour-long account lock would.
 * Blocked attempts are not counted (they do not extend the window). Keys are normalised by the caller.
 */
export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly options: ThrottleOptions,
  ) {}

  private decide(
    log: LoginsLog,
    ip: string,
    email: string,
    userExists: boolean,
    now: number,
    caller: ThrottleCaller,
  ): ThrottleDecision {
    const { trials, windowSeconds, backoffMaxSeconds } = this.options;
    const ipKey = hashIp(ip);
    let retry = 0;
    // entries older than the window count as gone even where the log was read without pruning
    const live = (entry: TrialEntry | undefined): TrialEntry | undefined =>
      entry && entry.time > now - windowSeconds ? entry : undefined;
    const byIp = live(log["by-ip"][ipKey]);
    if (byIp && byIp.trials >= trials) retry = Math.max(retry, byIp.time + windowSeconds - now);
    if (userExists) {
      const pair = live(log["by-email-ip"][`${email}|${ipKey}`]);
      if (pair && pair.trials >= trials) retry = Math.max(retry, pair.time + windowSeconds - now);
      const account = live(log["by-email"][email]);
      // this address's own failures (Kirby's `.logins` alone knows only the address's failures for any account)
      const own = pair ?? byIp;
      if (account && account.trials >= trials && own && caller.knownDevice !== true) {
        const backoff = Math.min(2 ** Math.min(own.trials - 1, 30), backoffMaxSeconds);
        if (now < own.time + backoff) retry = Math.max(retry, own.time + backoff - now);
      }
    }
    return { blocked: retry > 0, retryAfterSeconds: Math.max(1, Math.ceil(retry)) };
  }

  check(ip: string, email: string, userExists: boolean, caller: ThrottleCaller = {}): Promise<ThrottleDecision> {
    const now = this.options.now();
    return this.store.update((log) => {
      const changed = pruneExpired(log, now, this.options.windowSeconds);
      return { log, result: this.decide(log, ip, email, userExists, now, caller), changed };
    });
  }

  /**
   * The same decision from a log at most a second old, without pruning or writing: for per-request paths
   * (remembered Basic checks, application passwords) that must stay cheap.
   */
  async quickCheck(
    ip: string,
    email: string,
    userExists: boolean,
    caller: ThrottleCaller = {},
  ): Promise<ThrottleDecision> {
    const now = this.options.now();
    return this.decide(await this.store.read(1000), ip, email, userExists, now, caller);
  }

  async isBlocked(ip: string, email: string, userExists: boolean): Promise<boolean> {
    return (await this.check(ip, email, userExists)).blocked;
  }

  /** Records one failure for the IP and, when the e-mail belongs to an existing user, for the e-mail and the pair. */
  track(ip: string, email: string | null): Promise<void> {
    const ipKey = hashIp(ip);
    const now = this.options.now();
    return this.store.update((log) => {
      pruneExpired(log, now, this.options.windowSeconds);
      const bump = (entries: Record<string, TrialEntry>, key: string): void => {
        const entry = entries[key];
        entries[key] = { time: now, trials: (entry?.trials ?? 0) + 1 };
      };
      bump(log["by-ip"], ipKey);
      if (email !== null) {
        bump(log["by-email"], email);
        bump(log["by-email-ip"], `${email}|${ipKey}`);
      }
      return { log, result: undefined, changed: true };
    });
  }
}
