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

/** Kirby's `.logins` document: failures per hashed client IP and per e-mail of existing users. */
export interface LoginsLog {
  "by-ip": Record<string, TrialEntry>;
  "by-email": Record<string, TrialEntry>;
}

/** Storage of the throttle log behind one small contract: read-modify-write under a lock. */
export interface ThrottleStore {
  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T>;
}

export function hashIp(ip: string): string {
  return createHash("sha256").update(ip).digest("hex").slice(0, 50);
}

function emptyLog(): LoginsLog {
  return { "by-ip": {}, "by-email": {} };
}

function isEntry(value: unknown): value is TrialEntry {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as TrialEntry).time === "number" && typeof (value as TrialEntry).trials === "number"
  );
}

/** Parses `.logins`: invalid content ⇒ empty; unknown top-level keys dropped; malformed entries dropped. */
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
  for (const category of ["by-ip", "by-email"] as const) {
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
  for (const category of ["by-ip", "by-email"] as const) {
    for (const [key, entry] of Object.entries(log[category])) {
      if (entry.time <= nowUnix - windowSeconds) {
        delete log[category][key];
        changed = true;
      }
    }
  }
  return changed;
}

/** `site/accounts/.logins`, re-read on every use so edits and other tools are honoured; writes are atomic. */
export class FileThrottleStore implements ThrottleStore {
  private readonly mutex = new KeyedMutex();
  readonly file: string;

  constructor(accountsDir: string) {
    this.file = path.join(accountsDir, ".logins");
  }

  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    return this.mutex.run(this.file, async () => {
      const text = await readFile(this.file, "utf8").catch(() => null);
      const log = parseLoginsLog(text);
      const outcome = change(log);
      const original = text === null ? null : text;
      if (outcome.changed || (original !== null && original !== serializeLoginsLog(outcome.log))) {
        const empty = !Object.keys(outcome.log["by-ip"]).length && !Object.keys(outcome.log["by-email"]).length;
        if (empty) await unlink(this.file).catch(() => undefined);
        else await writeFileAtomic(this.file, serializeLoginsLog(outcome.log), 0o600);
      }
      return outcome.result;
    });
  }
}

export class MemoryThrottleStore implements ThrottleStore {
  private log = emptyLog();

  async update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    const outcome = change(this.log);
    this.log = outcome.log;
    return outcome.result;
  }
}

export interface ThrottleOptions {
  readonly trials: number;
  readonly windowSeconds: number;
  readonly now: () => number;
}

/**
 * Brute-force throttling as Kirby does it (spec §2.8): a client IP is blocked after `trials` failures within the
 * sliding window, for any e-mail; an existing user's e-mail likewise. Blocked attempts do not extend the window.
 */
export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly options: ThrottleOptions,
  ) {}

  isBlocked(ip: string, email: string, userExists: boolean): Promise<boolean> {
    const ipKey = hashIp(ip);
    const now = this.options.now();
    return this.store.update((log) => {
      const changed = pruneExpired(log, now, this.options.windowSeconds);
      const byIp = log["by-ip"][ipKey]?.trials ?? 0;
      const byEmail = userExists ? (log["by-email"][email]?.trials ?? 0) : 0;
      const blocked = byIp >= this.options.trials || byEmail >= this.options.trials;
      return { log, result: blocked, changed };
    });
  }

  /** Records one failure for the IP and, when the e-mail belongs to an existing user, for the e-mail. */
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
      if (email !== null) bump(log["by-email"], email);
      return { log, result: undefined, changed: true };
    });
  }
}
