/**
 * Writing account folders (docs/kirby-compat/content-format.md#account-files) in exactly Kirby's formats, so that Kirby
 * itself can keep reading them: `index.php` (credentials), `.htpasswd` (hash and secrets) and `user.txt` (content).
 *
 * Crash safety: every file is replaced atomically; a new account is assembled in a hidden staging folder and
 * renamed into place; a deleted account is first renamed to a hidden `.deleted-…` folder and only then removed.
 * Hidden folders are never read as accounts, and leftovers of an interrupted create or delete are swept away.
 */

import { randomBytes, randomInt } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseTxt, serializeTxt } from "../content/txt.js";
import type { ContentFields, ContentLanguages } from "../content/types.js";
import { DuplicateError, NotFoundError } from "../errors.js";
import { syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { resolveInside } from "../fs/safe-path.js";
import { parseHtpasswd, serializeHtpasswd } from "./htpasswd.js";
import { parsePhpArrayFile, serializePhpArrayFile, type PhpScalar } from "./php-array.js";
import type { UserCredentials } from "./types.js";
import { matchRecoveryCode, readRecoveryHashes, writeRecoveryHashes } from "./recovery-codes.js";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const RESERVED_USER_IDS: ReadonlySet<string> = new Set(["account", "kirby", "nobody"]);

/** Keys that belong to `index.php` or `.htpasswd` and never go into `user.txt`. */
export const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(["email", "language", "name", "password", "role"]);

/** Folder names that can hold an account (and nothing that reaches outside the accounts folder). */
const ACCOUNT_ID = /^[A-Za-z0-9_-]+$/;
const STAGING_PREFIX = ".creating-";
const DELETED_PREFIX = ".deleted-";
/** A staging folder this old belongs to a create that can no longer finish. */
const STALE_STAGING_MS = 10 * 60 * 1000;

/**
 * A new user id: 8 random characters of [A-Za-z0-9], one longer on every collision
 * (docs/kirby-compat/permissions.md#user-rules).
 */
export async function generateUserId(accountsDir: string, length = 8): Promise<string> {
  for (let size = length; ; size++) {
    let id = "";
    for (let i = 0; i < size; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    if (RESERVED_USER_IDS.has(id.toLowerCase())) continue;
    if (!(await exists(path.join(accountsDir, id)))) return id;
  }
}

export interface NewAccount {
  readonly email: string;
  readonly role: string;
  readonly name: string | null;
  readonly language: string | null;
  readonly passwordHash: string | null;
  /** Fields of `user.txt`; credential keys are left out. Default: an empty file. */
  readonly content?: Readonly<Record<string, unknown>>;
}

/** Changes to `index.php`: a credential key and its new value. */
export type CredentialChanges = Partial<{ -readonly [K in keyof UserCredentials]: UserCredentials[K] }>;

function randomSuffix(): string {
  return randomBytes(8).toString("hex");
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function accountDir(accountsDir: string, id: string): string {
  if (!ACCOUNT_ID.test(id)) throw new NotFoundError({ key: "user.notFound", data: { name: id } });
  return resolveInside(accountsDir, id);
}

function contentKey(key: string): string {
  return key.trim().toLowerCase().replace(/[-\s]/g, "_");
}

/** The text of `user.txt` for these fields, without any credential key. */
export function userContentText(fields: Readonly<Record<string, unknown>>): string {
  return serializeTxt(
    Object.fromEntries(Object.entries(fields).filter(([key]) => !CREDENTIAL_KEYS.has(contentKey(key)))),
  );
}

function credentialsText(account: NewAccount): string {
  return serializePhpArrayFile({
    email: account.email,
    language: account.language,
    name: account.name,
    role: account.role,
  });
}

/**
 * Writes a new account folder in exactly the files Kirby writes: `index.php` (email, language, name, role),
 * `.htpasswd` (empty when there is no password) and `user.txt`. The folder is assembled under a hidden name and
 * renamed into place, so it appears complete or not at all.
 *
 * @throws DuplicateError `A user with this id exists` when the folder exists already.
 */
export async function writeNewAccount(
  accountsDir: string,
  id: string,
  account: NewAccount,
  contentFile = "user.txt",
): Promise<string> {
  const dir = accountDir(accountsDir, id);
  await mkdir(accountsDir, { recursive: true });
  const staging = path.join(accountsDir, `${STAGING_PREFIX}${randomSuffix()}`);
  await mkdir(staging, { mode: 0o755 });
  try {
    await writeFileAtomic(
      path.join(staging, ".htpasswd"),
      serializeHtpasswd({ hash: account.passwordHash, secrets: {} }),
      0o600,
    );
    await writeFileAtomic(path.join(staging, contentFile), userContentText(account.content ?? {}));
    await writeFileAtomic(path.join(staging, "index.php"), credentialsText(account));
    if (await exists(dir)) throw new DuplicateError({ message: "A user with this id exists" });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(accountsDir);
  return dir;
}

/** Replaces the password hash of an account, keeping its other secrets (e.g. TOTP). */
export async function writePasswordHash(accountDir: string, passwordHash: string): Promise<void> {
  const file = path.join(accountDir, ".htpasswd");
  const current = await readFile(file, "utf8").then(parseHtpasswd, () => ({ hash: null, secrets: {} }));
  await writeFileAtomic(file, serializeHtpasswd({ hash: passwordHash, secrets: current.secrets }), 0o600);
}

/** Replaces the secrets of line 2 of `.htpasswd` (e.g. `totp`), keeping the password hash. */
export async function writeSecrets(accountDir: string, secrets: Readonly<Record<string, string>>): Promise<void> {
  const file = path.join(accountDir, ".htpasswd");
  const current = await readFile(file, "utf8").then(parseHtpasswd, () => ({ hash: null, secrets: {} }));
  await writeFileAtomic(file, serializeHtpasswd({ hash: current.hash, secrets }), 0o600);
}

/** A change of the second factor: the new `.htpasswd` secrets and recovery-code hashes (`null`: none). */
export interface SecretsChange {
  readonly secrets: Readonly<Record<string, string>>;
  readonly recoveryHashes: readonly string[] | null;
}

/**
 * Rewrites `index.php` with `changes` merged into what it holds: keys keep their place, new keys are appended
 * (a file written by Kirby keeps the order email, language, name, role). Nested values are not credentials and
 * are not kept.
 */
export async function writeCredentials(accountDir: string, changes: CredentialChanges): Promise<void> {
  const file = path.join(accountDir, "index.php");
  const stored = parsePhpArrayFile(await readFile(file, "utf8"));
  const next: Record<string, PhpScalar> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (value === null || typeof value !== "object") next[key] = value;
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) next[key] = value;
  }
  await writeFileAtomic(file, serializePhpArrayFile(next));
}

/** The name of a user's content file: `user.txt`, or `user.<code>.txt` in a language of a multi-language site. */
export function userContentFile(code: string | null): string {
  return code === null ? "user.txt" : `user.${code}.txt`;
}

/** The fields of an account's `user.txt` (or another content file) as stored now (empty when it does not exist). */
export async function readUserContent(accountDir: string, file = "user.txt"): Promise<ContentFields> {
  try {
    return parseTxt(await readFile(path.join(accountDir, file), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** Replaces an account's `user.txt` (or another content file); credential keys are never written into it. */
export async function writeUserContent(
  accountDir: string,
  fields: Readonly<Record<string, unknown>>,
  file = "user.txt",
): Promise<void> {
  await writeFileAtomic(path.join(accountDir, file), userContentText(fields));
}

/**
 * Removes an account folder: it is renamed to a hidden `.deleted-…` name first (the account is gone at once and
 * for good, even if the process stops right after), then the renamed folder is removed.
 */
export async function removeAccount(accountsDir: string, id: string): Promise<void> {
  const dir = accountDir(accountsDir, id);
  const trash = path.join(accountsDir, `${DELETED_PREFIX}${randomSuffix()}`);
  await rename(dir, trash);
  await syncDirectory(accountsDir);
  await rm(trash, { recursive: true, force: true });
}

/** Removes what an interrupted delete (any `.deleted-…`) or create (an old `.creating-…`) left behind. */
export async function sweepAccountLeftovers(accountsDir: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(accountsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const full = path.join(accountsDir, name);
    if (name.startsWith(DELETED_PREFIX)) {
      await rm(full, { recursive: true, force: true }).catch(() => undefined);
    } else if (name.startsWith(STAGING_PREFIX)) {
      const info = await stat(full).catch(() => null);
      if (info && now - info.mtimeMs > STALE_STAGING_MS)
        await rm(full, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** What `AccountWriter` needs of the account index: re-reading one account after a write, or all of them. */
export interface AccountRefresher {
  refresh(id: string): Promise<void>;
  reload(): Promise<void>;
}

/** What a create writes: the new account, under a chosen id. */
export interface NewAccountPlan {
  readonly id: string;
  readonly account: NewAccount;
}

const ALL_ACCOUNTS = "\u0000all";

/**
 * The one way the API changes `site/accounts/`. Writes to one account run one at a time; changes whose rules look
 * at every account (create, e-mail, role, delete: unique e-mails, the last admin, the last user) also run one at a
 * time among themselves, so their checks always see the result of the previous change. Each change runs its
 * `check`/`plan` callback inside the lock, writes, and refreshes the account index before the lock is released.
 */
export class AccountWriter {
  private readonly locks = new KeyedMutex();

  constructor(
    readonly accountsDir: string,
    private readonly index: AccountRefresher,
    private readonly languages?: ContentLanguages,
    /** Also holds each lock across the processes serving the site (default: this process only). */
    private readonly sharedLock: <T>(name: string, task: () => Promise<T>) => Promise<T> = (_, task) => task(),
  ) {}

  /** The file of user content in a language (the default language when none is named). */
  contentFile(code?: string): string {
    return userContentFile(code ?? this.languages?.defaultCode() ?? null);
  }

  /** Whether `code` names a translation, i.e. a language other than the default one. */
  private isTranslation(code: string | undefined): code is string {
    const defaultCode = this.languages?.defaultCode() ?? null;
    return code !== undefined && defaultCode !== null && code !== defaultCode;
  }

  /** Re-reads every account, after their content files were renamed (a site gaining or losing its languages). */
  reloadAll(): Promise<void> {
    return this.acrossAccounts(() => this.index.reload());
  }

  /**
   * Re-reads one account after its folder changed outside the account files (the avatar and other user files),
   * in turn with the account's writes, so the next answer shows the change.
   */
  refresh(id: string): Promise<void> {
    return this.forAccount(id, () => this.index.refresh(id));
  }

  /** A fresh user id (not yet reserved: use it inside `create`). */
  newUserId(): Promise<string> {
    return generateUserId(this.accountsDir);
  }

  private forAccount<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(`account:${id}`, () => this.sharedLock(`account:${id}`, task));
  }

  private acrossAccounts<T>(task: () => Promise<T>): Promise<T> {
    return this.locks.run(ALL_ACCOUNTS, () => this.sharedLock("accounts", task));
  }

  /** Creates an account. `plan` checks the rules and names id and files; it runs inside the lock. */
  create(plan: () => NewAccountPlan | Promise<NewAccountPlan>): Promise<string> {
    return this.acrossAccounts(async () => {
      await sweepAccountLeftovers(this.accountsDir);
      const { id, account } = await plan();
      await this.forAccount(id, () => writeNewAccount(this.accountsDir, id, account, this.contentFile()));
      await this.index.refresh(id);
      return id;
    });
  }

  /**
   * Changes credentials in `index.php`. `plan` checks and returns the changes; `acrossAccounts` is needed when
   * the rules look at other accounts (e-mail, role).
   */
  updateCredentials(id: string, plan: () => CredentialChanges, { acrossAccounts = false } = {}): Promise<void> {
    const task = () =>
      this.forAccount(id, async () => {
        const changes = plan();
        await writeCredentials(accountDir(this.accountsDir, id), changes);
        await this.index.refresh(id);
      });
    return acrossAccounts ? this.acrossAccounts(task) : task();
  }

  /**
   * Replaces the user's content file with what `plan` makes of the stored fields (read inside the lock). In a
   * non-default `language` the file is `user.<code>.txt` and `plan` starts from the fields of that language: the
   * default language's, overwritten by the translation's.
   */
  updateContent(
    id: string,
    plan: (current: ContentFields) => Readonly<Record<string, unknown>>,
    language?: string,
  ): Promise<void> {
    return this.forAccount(id, async () => {
      const dir = accountDir(this.accountsDir, id);
      const file = this.contentFile(language);
      const current = this.isTranslation(language)
        ? { ...(await readUserContent(dir, this.contentFile())), ...(await readUserContent(dir, file)) }
        : await readUserContent(dir, file);
      await writeUserContent(dir, plan(current), file);
      await this.index.refresh(id);
    });
  }

  /** Replaces the password hash; the new `.htpasswd` mtime logs the user out of sessions started before. */
  updatePasswordHash(id: string, passwordHash: string, check: () => void = () => undefined): Promise<void> {
    return this.forAccount(id, async () => {
      check();
      await writePasswordHash(accountDir(this.accountsDir, id), passwordHash);
      await this.index.refresh(id);
    });
  }

  /**
   * Replaces the `.htpasswd` secrets and the recovery codes with what `plan` makes of the stored secrets. Codes are
   * written before a new secret and removed after it: a crash in between leaves codes that are accepted only while
   * the account has a TOTP secret. The new `.htpasswd` mtime logs the user out of sessions started before.
   */
  updateSecrets(id: string, plan: (secrets: Readonly<Record<string, string>>) => SecretsChange): Promise<void> {
    return this.forAccount(id, async () => {
      const dir = accountDir(this.accountsDir, id);
      const current = await readFile(path.join(dir, ".htpasswd"), "utf8").then(parseHtpasswd, () => ({
        hash: null,
        secrets: {},
      }));
      const change = plan(current.secrets);
      if (change.recoveryHashes !== null) await writeRecoveryHashes(dir, change.recoveryHashes);
      await writeSecrets(dir, change.secrets);
      if (change.recoveryHashes === null) await writeRecoveryHashes(dir, null);
      await this.index.refresh(id);
    });
  }

  /** Uses up the recovery code `input` of an account: true when it was one of its stored codes (now removed). */
  consumeRecoveryCode(id: string, input: string): Promise<boolean> {
    return this.forAccount(id, async () => {
      const dir = accountDir(this.accountsDir, id);
      const hashes = await readRecoveryHashes(dir);
      const index = matchRecoveryCode(hashes, input);
      if (index === -1) return false;
      await writeRecoveryHashes(
        dir,
        hashes.filter((_, position) => position !== index),
      );
      return true;
    });
  }

  /** How many unused recovery codes an account has left. */
  async recoveryCodesLeft(id: string): Promise<number> {
    return (await readRecoveryHashes(accountDir(this.accountsDir, id))).length;
  }

  /** Deletes an account once `check` passes inside the lock. */
  delete(id: string, check: () => void): Promise<void> {
    return this.acrossAccounts(() =>
      this.forAccount(id, async () => {
        check();
        await removeAccount(this.accountsDir, id);
        await this.index.refresh(id);
        await sweepAccountLeftovers(this.accountsDir);
      }),
    );
  }
}
