/**
 * The in-memory index of `site/accounts/`: one `User` per account folder, read once and kept current by
 * a watched folder (a new folder or an edited `.htpasswd` is seen within a second) and by `refresh(id)` after
 * Sheaf's own writes. Requests never read the disk through it.
 *
 * An account folder holds `index.php` (credentials), `.htpasswd` (hash and secrets), `user.txt` (content) and maybe
 * the avatar `profile.<ext>` (its name and mtime are kept, so rendering a user never reads the folder).
 * A folder that cannot be read as an account is left out and reported through `onWarning` (again only when the
 * reason changes); it never stops the index. Operations run one at a time, so a reload and a refresh cannot interleave.
 */

import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseTxt } from "../content/txt.js";
import type { ContentLanguages } from "../content/types.js";
import { ConfigError } from "../errors.js";
import { WatchedFolder, type WatchSettings } from "../fs/watched-folder.js";
import { parseHtpasswd, type PasswordFile } from "./htpasswd.js";
import { parsePhpArrayFile, type PhpValue } from "./php-array.js";
import type { User, UserAvatar } from "./types.js";

export interface AccountIndexOptions {
  /** Absolute path of the accounts root (`site/accounts`). It may not exist yet. */
  root: string;
  /** Keep the index current when files change on disk (default true). */
  watch?: boolean;
  /** How changes are followed when watching (log, reconciliation interval). */
  watching?: WatchSettings;
  /** Receives a message for an account folder that is skipped because it cannot be read (once per reason). */
  onWarning?: (message: string) => void;
  /** Set for a multi-language site: user content is then read from `user.<code>.txt` files. */
  languages?: ContentLanguages;
}

export interface AccountIndex {
  /**
   * User by e-mail (a key containing `@`, compared case-insensitively but not trimmed), by id (the folder name,
   * only for keys matching `^[a-z0-9_-]+$` in any case), or by `user://<id>`.
   */
  findUser(key: string): User | undefined;
  /** Every readable account, sorted by id. */
  users(): readonly User[];
  /** Re-reads every account folder now. */
  reload(): Promise<void>;
  /** Re-reads one account folder (after a write), or drops it when it is gone. */
  refresh(id: string): Promise<void>;
  /** Subscribe to changes of the user list; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Folder names usable as user ids in lookups: keeps keys like `../x` away from the file system. */
const USER_ID_PATTERN = /^[a-z0-9_-]+$/i;
const UUID_PREFIX = "user://";
const GONE_CODES: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR"]);

type AccountRead = { kind: "user"; user: User } | { kind: "skipped"; reason: string } | { kind: "gone" };

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readOptionalFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (GONE_CODES.has(errorCode(error) ?? "")) return undefined;
    throw error;
  }
}

function optionalText(value: PhpValue | undefined): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

/** Account folders a batch of changed paths touches (dot-files of the root such as `.logins` are not watched). */
function accountIdsOf(changes: ReadonlySet<string>): string[] {
  const ids = new Set<string>();
  for (const change of changes) ids.add(change.split("/")[0] as string);
  return [...ids];
}

/** Everything but the root's dot-files (`.logins`, `.tokens.json`): inside an account folder, `.htpasswd` counts. */
function isAccountPath(relativePath: string): boolean {
  return relativePath.includes("/") || !relativePath.startsWith(".");
}

const AVATAR_NAME = /^profile\.[a-z0-9]{1,8}$/;

/** The avatar of an account folder, read with the account so that rendering a user never touches the disk. */
async function readAvatar(dir: string): Promise<UserAvatar | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (GONE_CODES.has(errorCode(error) ?? "")) return undefined;
    throw error;
  }
  const filename = names.filter((name) => AVATAR_NAME.test(name)).sort()[0];
  if (filename === undefined) return undefined;
  try {
    const info = await stat(path.join(dir, filename));
    return info.isFile() ? Object.freeze({ filename, mtimeMs: info.mtimeMs }) : undefined;
  } catch (error) {
    if (GONE_CODES.has(errorCode(error) ?? "")) return undefined;
    throw error;
  }
}

const LANGUAGE_INFIX = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Every `user.<code>.txt` of an account folder, by code. */
async function readUserTranslations(dir: string): Promise<Record<string, Readonly<Record<string, string>>>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (GONE_CODES.has(errorCode(error) ?? "")) return {};
    throw error;
  }
  const translations: Record<string, Readonly<Record<string, string>>> = {};
  for (const name of names) {
    if (!name.startsWith("user.") || !name.endsWith(".txt")) continue;
    const code = name.slice("user.".length, -".txt".length);
    // a language code is a plain name (never `__proto__` or a dotted name)
    if (!LANGUAGE_INFIX.test(code)) continue;
    const text = await readOptionalFile(path.join(dir, name));
    if (text !== undefined) translations[code] = Object.freeze(parseTxt(text));
  }
  return translations;
}

/** A user's content: `user.txt`, or on a multi-language site the default language's file and every translation. */
async function readUserContent(
  dir: string,
  languages: ContentLanguages | undefined,
): Promise<Pick<User, "content" | "translations" | "contentFileName">> {
  const defaultCode = languages?.defaultCode() ?? null;
  if (defaultCode === null) {
    const text = await readOptionalFile(path.join(dir, "user.txt"));
    return { content: text === undefined ? {} : parseTxt(text) };
  }
  const translations = Object.freeze(await readUserTranslations(dir));
  return { content: translations[defaultCode] ?? {}, translations, contentFileName: `user.${defaultCode}.txt` };
}

async function readAccount(root: string, id: string, languages?: ContentLanguages): Promise<AccountRead> {
  const dir = path.join(root, id);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return { kind: "gone" };
  } catch (error) {
    if (GONE_CODES.has(errorCode(error) ?? "")) return { kind: "gone" };
    throw error;
  }

  const credentialsText = await readOptionalFile(path.join(dir, "index.php"));
  if (credentialsText === undefined) return { kind: "skipped", reason: "it has no index.php" };
  let credentials: Record<string, PhpValue>;
  try {
    credentials = parsePhpArrayFile(credentialsText);
  } catch (error) {
    return { kind: "skipped", reason: `its index.php cannot be read: ${describe(error)}` };
  }
  const email = optionalText(credentials["email"]);
  if (email === null || email === "") return { kind: "skipped", reason: "its index.php has no email" };

  const passwordPath = path.join(dir, ".htpasswd");
  let passwordFile: PasswordFile = { hash: null, secrets: {} };
  let passwordTimestamp: number | null = null;
  const passwordText = await readOptionalFile(passwordPath);
  if (passwordText !== undefined) {
    try {
      passwordFile = parseHtpasswd(passwordText);
    } catch (error) {
      // Refuse the account rather than silently ignoring secrets such as a TOTP key.
      return { kind: "skipped", reason: `its .htpasswd cannot be read: ${describe(error)}` };
    }
    try {
      passwordTimestamp = Math.floor((await stat(passwordPath)).mtimeMs / 1000);
    } catch (error) {
      if (!GONE_CODES.has(errorCode(error) ?? "")) throw error;
    }
  }

  const userContent = await readUserContent(dir, languages);
  const avatar = await readAvatar(dir);
  const role = optionalText(credentials["role"]);

  const user: User = {
    id,
    dir,
    email,
    language: optionalText(credentials["language"]),
    name: optionalText(credentials["name"]),
    // Without a stored role the user acts as `nobody`.
    role: role === null || role === "" ? "nobody" : role,
    passwordHash: passwordFile.hash,
    secrets: passwordFile.secrets,
    passwordTimestamp,
    ...userContent,
    ...(avatar === undefined ? {} : { avatar }),
  };
  return { kind: "user", user };
}

function sameUser(a: User | undefined, b: User | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class LiveAccountIndex implements AccountIndex {
  private accounts = new Map<string, User>();
  private sortedUsers: readonly User[] = [];
  private usersByEmail = new Map<string, User>();
  private readonly listeners = new Set<() => void>();
  private queue: Promise<void> = Promise.resolve();
  /** Why each skipped account folder was skipped, as last reported. */
  private readonly skipReasons = new Map<string, string>();
  private watcher: WatchedFolder | null = null;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly warn: (message: string) => void,
    private readonly languages?: ContentLanguages,
  ) {}

  findUser(key: string): User | undefined {
    if (key.startsWith(UUID_PREFIX)) return this.findById(key.slice(UUID_PREFIX.length));
    if (key.includes("@")) return this.usersByEmail.get(key.toLowerCase());
    // the id as sent, then lower-cased, each compared exactly with the folder names (Kirby)
    return this.findById(key) ?? this.findById(key.toLowerCase());
  }

  users(): readonly User[] {
    return this.sortedUsers;
  }

  reload(): Promise<void> {
    return this.enqueue(() => this.readAll());
  }

  refresh(id: string): Promise<void> {
    if (!USER_ID_PATTERN.test(id)) return Promise.resolve();
    return this.enqueue(() => this.readSome([id]));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
    await this.queue;
  }

  private findById(id: string): User | undefined {
    return USER_ID_PATTERN.test(id) ? this.accounts.get(id) : undefined;
  }

  /** Runs operations one after another; a failed one does not stop those queued behind it. */
  private enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async readAll(): Promise<void> {
    let names: string[];
    try {
      const entries = await readdir(this.root, { withFileTypes: true });
      names = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((e) => e.name);
    } catch (error) {
      if (!GONE_CODES.has(errorCode(error) ?? "")) {
        throw new ConfigError(`The accounts folder "${this.root}" cannot be read: ${describe(error)}`);
      }
      names = [];
    }
    const next = new Map<string, User>();
    for (const read of await Promise.all(names.map((id) => this.readReported(id)))) {
      if (read !== undefined) next.set(read.id, read);
    }
    const changed =
      next.size !== this.accounts.size || [...next].some(([id, user]) => !sameUser(user, this.accounts.get(id)));
    this.accounts = next;
    this.afterRead(changed);
  }

  private async readSome(ids: readonly string[]): Promise<void> {
    let changed = false;
    for (const id of ids) {
      const user = await this.readReported(id);
      const previous = this.accounts.get(id);
      if (user === undefined) this.accounts.delete(id);
      else this.accounts.set(id, user);
      if (!sameUser(previous, user)) changed = true;
    }
    this.afterRead(changed);
  }

  /** Reads one account; a skipped folder is reported and counts as absent. */
  private async readReported(id: string): Promise<User | undefined> {
    let read: AccountRead;
    try {
      read = await readAccount(this.root, id, this.languages);
    } catch (error) {
      read = { kind: "skipped", reason: describe(error) };
    }
    if (read.kind === "skipped") {
      if (this.skipReasons.get(id) !== read.reason) {
        this.skipReasons.set(id, read.reason);
        this.warn(`The account folder "${path.join(this.root, id)}" was skipped: ${read.reason}`);
      }
      return undefined;
    }
    this.skipReasons.delete(id);
    return read.kind === "user" ? Object.freeze(read.user) : undefined;
  }

  private afterRead(changed: boolean): void {
    if (!changed) return;
    this.sortedUsers = Object.freeze([...this.accounts.values()].sort((a, b) => compareIds(a.id, b.id)));
    const byEmail = new Map<string, User>();
    for (const user of this.sortedUsers) {
      const email = user.email.toLowerCase();
      if (!byEmail.has(email)) byEmail.set(email, user);
    }
    this.usersByEmail = byEmail;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.warn(`An account index listener failed: ${describe(error)}`);
      }
    }
  }

  // ---- watching ------------------------------------------------------------------------------------------------

  /** Follows the root, also when it does not exist yet (the first user creation makes it). */
  async startWatching(settings: WatchSettings): Promise<void> {
    if (this.closed || this.watcher !== null) return;
    this.watcher = await WatchedFolder.open({
      ...settings,
      dir: this.root,
      name: "accounts",
      include: isAccountPath,
      reload: (changes) =>
        this.enqueue(changes === null ? () => this.readAll() : () => this.readSome(accountIdsOf(changes))),
    });
  }
}

/**
 * Reads every account folder of `options.root` and, unless `watch: false`, keeps the index current.
 * A missing root gives an empty index.
 *
 * @throws ConfigError when the root exists but cannot be read.
 */
export async function createAccountIndex(options: AccountIndexOptions): Promise<AccountIndex> {
  const index = new LiveAccountIndex(
    path.resolve(options.root),
    options.onWarning ?? (() => undefined),
    options.languages,
  );
  await index.readAll();
  if (options.watch !== false) await index.startWatching(options.watching ?? {});
  return index;
}
