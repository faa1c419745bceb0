import { appendFile, mkdir, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { isPasswordField, NOT_LOGGED, safeLogged, safeValue } from "../log/safe-value.js";

/**
 * The security audit log: append-only JSON lines in `site/logs/auth.log`, rotated by size (`auth.log.1` is the
 * newest rotated file). Entries name the actor, address and user agent, never a password, token or hash.
 */

export type AuditEventName =
  | "login.success"
  | "login.failure"
  | "login.blocked"
  | "logout"
  | "token.create"
  | "token.use"
  | "token.revoke"
  | "session.revoke"
  | "password.change"
  | "role.change"
  | "user.create"
  | "user.delete"
  | "totp.enable"
  | "totp.disable"
  | "totp.reset"
  | "totp.recovery";

export interface AuditEntry {
  readonly time: string;
  readonly event: AuditEventName;
  /** Who acted: the user (id, e-mail) or null for an anonymous caller. */
  readonly actor: { readonly id: string; readonly email: string } | null;
  /** What the event is about, when it is not the actor (a user id, token id, session id). */
  readonly target?: Readonly<Record<string, string>>;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditRecord {
  event: AuditEventName;
  actor?: { id: string; email: string } | null;
  target?: Record<string, string>;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLogOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly keep: number;
  readonly log?: (message: string) => void;
}

function safeStrings(values: Readonly<Record<string, string>>): Record<string, string> {
  const safe: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    safe[safeValue(key, 64)] = isPasswordField(key) ? NOT_LOGGED : safeValue(value);
  return safe;
}

export class AuditLog {
  private readonly mutex = new KeyedMutex();
  readonly file: string;

  constructor(private readonly options: AuditLogOptions) {
    this.file = path.join(options.dir, "auth.log");
  }

  /** Appends an entry; never throws (a full disk must not turn a login into an error), reports instead. */
  record(record: AuditRecord): Promise<void> {
    // every value may come from a request: escaped, bounded, never a password
    const entry: AuditEntry = {
      time: new Date().toISOString(),
      event: record.event,
      actor: record.actor ? { id: safeValue(record.actor.id), email: safeValue(record.actor.email) } : null,
      ...(record.target ? { target: safeStrings(record.target) } : {}),
      ip: record.ip ? safeValue(record.ip) : null,
      userAgent: record.userAgent ? safeValue(record.userAgent) : null,
      ...(record.details ? { details: safeLogged(record.details) as Record<string, unknown> } : {}),
    };
    return this.mutex.run(this.file, async () => {
      try {
        await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
        await this.rotateIfFull();
        await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      } catch (error) {
        this.options.log?.(`Audit log could not be written: ${String(error)}`);
      }
    });
  }

  private async rotateIfFull(): Promise<void> {
    const size = await stat(this.file).then(
      (info) => info.size,
      () => 0,
    );
    if (size < this.options.maxBytes) return;
    await unlink(`${this.file}.${this.options.keep}`).catch(() => undefined);
    for (let index = this.options.keep - 1; index >= 1; index--) {
      await rename(`${this.file}.${index}`, `${this.file}.${index + 1}`).catch(() => undefined);
    }
    await rename(this.file, `${this.file}.1`).catch(() => undefined);
  }

  /** Resolves once every entry recorded so far is written (used when shutting down). */
  idle(): Promise<void> {
    return this.mutex.run(this.file, async () => undefined);
  }

  /** Entries newest first, across the current and rotated files. */
  async read(): Promise<AuditEntry[]> {
    const files = [this.file, ...Array.from({ length: this.options.keep }, (_, i) => `${this.file}.${i + 1}`)];
    const entries: AuditEntry[] = [];
    for (const file of files) {
      const text = await readFile(file, "utf8").catch(() => "");
      const lines = text.split("\n").filter(Boolean).reverse();
      for (const line of lines) {
        try {
          entries.push(JSON.parse(line) as AuditEntry);
        } catch {
          // a torn last line after a crash is skipped
        }
      }
    }
    return entries;
  }
}
