import { randomInt } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { parseHtpasswd, serializeHtpasswd } from "./htpasswd.js";
import { serializePhpArrayFile } from "./php-array.js";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const RESERVED_USER_IDS: ReadonlySet<string> = new Set(["account", "kirby", "nobody"]);

/** A new user id: 8 random characters of [A-Za-z0-9], one longer on every collision (spec §6.2). */
export async function generateUserId(accountsDir: string, length = 8): Promise<string> {
  for (let size = length; ; size++) {
    let id = "";
    for (let i = 0; i < size; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    if (RESERVED_USER_IDS.has(id.toLowerCase())) continue;
    const taken = await stat(path.join(accountsDir, id)).then(() => true, () => false);
    if (!taken) return id;
  }
}

export interface NewAccount {
  readonly email: string;
  readonly role: string;
  readonly name: string | null;
  readonly language: string | null;
  readonly passwordHash: string | null;
}

/**
 * Writes an account folder in exactly the files Kirby writes: `index.php` (email, language, name, role),
 * `.htpasswd` and an empty `user.txt`. The folder appears complete or not at all: files go into a fresh folder
 * whose `index.php` is written last.
 */
export async function writeNewAccount(accountsDir: string, id: string, account: NewAccount): Promise<string> {
  const dir = path.join(accountsDir, id);
  await mkdir(dir, { recursive: false, mode: 0o755 }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      await mkdir(accountsDir, { recursive: true });
      await mkdir(dir, { mode: 0o755 });
      return;
    }
    throw error;
  });
  await writeFileAtomic(path.join(dir, ".htpasswd"), serializeHtpasswd({ hash: account.passwordHash, secrets: {} }), 0o600);
  await writeFileAtomic(path.join(dir, "user.txt"), "");
  await writeFileAtomic(
    path.join(dir, "index.php"),
    serializePhpArrayFile({ email: account.email, language: account.language, name: account.name, role: account.role }),
  );
  return dir;
}

/** Replaces the password hash of an account, keeping its other secrets (e.g. TOTP). */
export async function writePasswordHash(accountDir: string, passwordHash: string): Promise<void> {
  const file = path.join(accountDir, ".htpasswd");
  const current = await readFile(file, "utf8").then(parseHtpasswd, () => ({ hash: null, secrets: {} }));
  await writeFileAtomic(file, serializeHtpasswd({ hash: passwordHash, secrets: current.secrets }), 0o600);
}
