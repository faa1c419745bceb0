/**
 * Where a pending login challenge lives: keys of the cookie session
 * (docs/kirby-compat/auth-and-sessions.md#session-data), and the status object built from them
 * (docs/kirby-compat/auth-and-sessions.md#auth-status).
 */

import type { User } from "../../accounts/types.js";

/** What the challenge code needs of a session. */
export interface SessionData {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export const CHALLENGE_EMAIL_KEY = "kirby.challenge.email";
export const CHALLENGE_MODE_KEY = "kirby.challenge.mode";
export const CHALLENGE_TIMEOUT_KEY = "kirby.challenge.timeout";
export const CHALLENGE_TYPE_KEY = "kirby.challenge.type";
export const CHALLENGE_CODE_KEY = "kirby.challenge.code";
/** Set by a verified `password-reset` code: the password may be changed without the current one. */
export const RESET_PASSWORD_KEY = "kirby.resetPassword";

export const CHALLENGE_KEYS: readonly string[] = [
  CHALLENGE_CODE_KEY,
  CHALLENGE_EMAIL_KEY,
  CHALLENGE_MODE_KEY,
  CHALLENGE_TIMEOUT_KEY,
  CHALLENGE_TYPE_KEY,
];

/** The stored state of a challenge, as found (values are not trusted to have the right type). */
export interface PendingChallenge {
  readonly email: unknown;
  readonly mode: unknown;
  readonly timeout: unknown;
  readonly type: unknown;
  readonly codeHash: unknown;
}

export function readChallenge(session: SessionData | null): PendingChallenge {
  return {
    email: session?.get(CHALLENGE_EMAIL_KEY),
    mode: session?.get(CHALLENGE_MODE_KEY),
    timeout: session?.get(CHALLENGE_TIMEOUT_KEY),
    type: session?.get(CHALLENGE_TYPE_KEY),
    codeHash: session?.get(CHALLENGE_CODE_KEY),
  };
}

/** Removes every `kirby.challenge.*` key (not `kirby.resetPassword`). */
export function clearChallenge(session: SessionData): void {
  for (const key of CHALLENGE_KEYS) session.remove(key);
}

export type AuthStatusName = "active" | "impersonated" | "pending" | "inactive";

export interface AuthStatus {
  readonly challenge: string | null;
  readonly email: string | null;
  readonly mode: string | null;
  readonly status: AuthStatusName;
}

/** The type a client is told: the stored one, else the last enabled challenge (so unknown users look alike). */
export function fallbackChallenge(challenges: readonly string[]): string | null {
  return challenges.at(-1) ?? null;
}

/** `active` for a logged-in user, `pending` while a (non-empty) challenge e-mail is stored, else `inactive`. */
export function authStatusOf(
  user: User | null,
  session: SessionData | null,
  challenges: readonly string[],
): AuthStatus {
  if (user) return { challenge: null, email: user.email, mode: null, status: "active" };
  const pending = readChallenge(session);
  if (typeof pending.email !== "string" || pending.email === "")
    return { challenge: null, email: null, mode: null, status: "inactive" };
  return {
    challenge: typeof pending.type === "string" ? pending.type : fallbackChallenge(challenges),
    email: pending.email,
    mode: typeof pending.mode === "string" ? pending.mode : null,
    status: "pending",
  };
}
