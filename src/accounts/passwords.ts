/**
 * Password hashing compatible with PHP's `password_hash()` (docs/kirby-compat/auth-and-sessions.md#passwords): bcrypt,
 * written as `$2y$10$…`. Verification accepts the `$2y$`, `$2a$` and `$2b$` variants. Only the asynchronous bcrypt
 * calls are used, so the ~50 ms of hashing never blocks the event loop.
 */

import { hash, verify } from "@node-rs/bcrypt";

const BCRYPT_COST = 10;

/** `$2y$`/`$2a$`/`$2b$`, a two-digit cost, then 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Whether `password` matches `storedHash`. A malformed or empty hash never matches (and never throws). */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  if (!BCRYPT_HASH.test(storedHash)) return false;
  try {
    return await verify(password, storedHash);
  } catch {
    return false;
  }
}

/** A new bcrypt hash of `password` in PHP's format (`$2y$10$…`). */
export async function hashPassword(password: string): Promise<string> {
  const hashed = await hash(password, BCRYPT_COST);
  return hashed.replace(/^\$2[ab]\$/, "$2y$");
}
