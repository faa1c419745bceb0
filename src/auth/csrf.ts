import { randomBytes } from "node:crypto";

/** The session key of a session's CSRF token. */
export const CSRF_KEY = "kirby.csrf";

/** A new CSRF token: 64 lower-case hex characters (32 random bytes), one per session, never rotated. */
export function generateCsrfToken(): string {
  return randomBytes(32).toString("hex");
}

/** What CSRF needs of a session. */
interface CsrfSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** The CSRF token of `session`, stored in it first when it has none. */
export function sessionCsrfToken(session: CsrfSession): string {
  const token = session.get(CSRF_KEY);
  if (typeof token === "string") return token;
  const fresh = generateCsrfToken();
  session.set(CSRF_KEY, fresh);
  return fresh;
}
