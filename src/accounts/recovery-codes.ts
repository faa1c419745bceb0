/**
 * One-time recovery codes of an account with two-factor authentication: ten codes, shown once when TOTP is turned
 * on, each good for one login in place of a TOTP code. Kept hashed in `site/accounts/<id>/.recovery-codes`, a file
 * of Sheaf's own beside `.htpasswd`: PHP Kirby never reads it, so a site can go back to Kirby unchanged (the TOTP
 * secret itself stays where Kirby keeps it, in `.htpasswd`).
 *
 * Hashing: SHA-256, not bcrypt. Each code is 80 random bits, so a stolen file cannot be reversed by guessing, however
 * fast the hash is (2^80 tries); a slow hash would only make every login with a recovery code compare the input
 * against up to ten bcrypt hashes (about a second of CPU per try), a cost an attacker could make the server pay.
 */

import { encodeBase32 } from "../crypto/base32.js";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";

export const RECOVERY_CODE_FILE = ".recovery-codes";
export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10;
const CODE_LENGTH = 16;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
/** A code as typed: 16 base32 characters, in groups separated by dashes or spaces. Longer input is never a code. */
const MAX_INPUT_LENGTH = 40;
const HASH = /^[0-9a-f]{64}$/;

/** Ten new codes as shown to the user: `abcd-efgh-ijkl-mnop`. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    encodeBase32(randomBytes(CODE_BYTES))
      .toLowerCase()
      .replace(/(.{4})(?!$)/g, "$1-"),
  );
}

/** The code in its canonical form (lower case, no separators), or null when `input` cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  if (input.length > MAX_INPUT_LENGTH) return null;
  const code = input.replace(/[\s-]/g, "").toLowerCase();
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!ALPHABET.includes(char)) return null;
  return code;
}

/** The stored hash of a code (as shown or as typed). */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256")
    .update(normaliseRecoveryCode(code) ?? code)
    .digest("hex");
}

/** The index of the hash that `input` matches, or -1. Compares with every hash in constant time. */
export function matchRecoveryCode(hashes: readonly string[], input: string): number {
  const code = normaliseRecoveryCode(input);
  if (code === null) return -1;
  const candidate = Buffer.from(hashRecoveryCode(code), "hex");
  let found = -1;
  hashes.forEach((hash, index) => {
    if (HASH.test(hash) && timingSafeEqual(Buffer.from(hash, "hex"), candidate) && found === -1) found = index;
  });
  return found;
}

/** The hashes stored for an account; none when the file is missing or unreadable as such. */
export async function readRecoveryHashes(accountDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path.join(accountDir, RECOVERY_CODE_FILE), "utf8");
  } catch {
    return [];
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return [];
  }
  const codes = typeof decoded === "object" && decoded !== null ? (decoded as { codes?: unknown }).codes : undefined;
  return Array.isArray(codes)
    ? codes.filter((hash): hash is string => typeof hash === "string" && HASH.test(hash))
    : [];
}

/** Replaces the stored hashes (atomically, owner-only); `null` or an empty list removes the file. */
export async function writeRecoveryHashes(accountDir: string, hashes: readonly string[] | null): Promise<void> {
  const file = path.join(accountDir, RECOVERY_CODE_FILE);
  if (hashes === null || hashes.length === 0) {
    await rm(file, { force: true });
    return;
  }
  await writeFileAtomic(file, JSON.stringify({ codes: hashes }), 0o600);
}
