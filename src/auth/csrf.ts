import { randomBytes } from "node:crypto";

/** A new CSRF token: 64 lower-case hex characters (32 random bytes), one per session, never rotated. */
export function generateCsrfToken(): string {
  return randomBytes(32).toString("hex");
}
