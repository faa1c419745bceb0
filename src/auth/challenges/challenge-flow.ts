/**
 * Login challenges (docs/kirby-compat/auth-and-sessions.md#challenges): creating one for a code login, a password reset
 * or the second factor after a password, and verifying the code typed back. Both steps hide from the caller whether the
 * account exists, and both count towards the brute-force throttle.
 */

import type { User } from "../../accounts/types.js";
import type { SheafOptions } from "../../config/index.js";
import { InvalidArgumentError, LogicError, NotFoundError, PermissionError, SheafError } from "../../errors.js";
import { safeValue } from "../../log/safe-value.js";
import { randomDelay } from "../delay.js";
import { decodeIdnEmail, type PasswordCheckOptions, type UserLookup } from "../passwords.js";
import type { LoginThrottle } from "../throttle.js";
import {
  CHALLENGE_CODE_KEY,
  CHALLENGE_EMAIL_KEY,
  CHALLENGE_MODE_KEY,
  CHALLENGE_TIMEOUT_KEY,
  CHALLENGE_TYPE_KEY,
  clearChallenge,
  readChallenge,
  type PendingChallenge,
  type SessionData,
} from "./challenge-session.js";
import { composeCodeMessage, createEmailCode, hashEmailCode, verifyEmailCode, type ChallengeMode } from "./email.js";
import type { Mailer } from "../../mail/mailer.js";
import { matchTotpStep, TotpReplayGuard } from "./totp.js";

/** One replay guard per site (its account index), not per process: two sites may share user ids. */
const totpGuards = new WeakMap<UserLookup, TotpReplayGuard>();

export function totpGuardOf(users: UserLookup): TotpReplayGuard {
  let guard = totpGuards.get(users);
  if (!guard) totpGuards.set(users, (guard = new TotpReplayGuard()));
  return guard;
}

export interface ChallengeDependencies {
  readonly options: SheafOptions;
  readonly users: UserLookup;
  readonly throttle: LoginThrottle;
  readonly mailer: Mailer;
  /** The caller's address, the throttle's key. */
  readonly clientIp: string;
  readonly userAgent?: string | null;
  readonly siteTitle: string;
  /** Host name of the site URL: the domain of the default sender `noreply@<host>`. */
  readonly siteHost: string;
  /** Random delay after a failed verification, in ms (Kirby: 10–2000). */
  readonly failureDelayMs: readonly [number, number];
  /** Told of refused attempts (audit log), as for passwords. */
  readonly onRefusal?: PasswordCheckOptions["onRefusal"];
  /** Where hidden failures are reported when `auth.debug` is `"log"`. */
  readonly log?: (message: string) => void;
  /** Unix seconds. */
  readonly now: () => number;
  /** Uses up a recovery code of the user, accepted in place of a TOTP code; true when it was one. */
  readonly consumeRecoveryCode?: (user: User, input: string) => Promise<boolean>;
}

/** Random delay after every challenge creation, in ms: the answer time tells nothing about the account. */
const CREATION_DELAY_MS: readonly [number, number] = [50, 300];

/** One kind of challenge (`auth.challenges` names them in order of preference). */
interface ChallengeType {
  isAvailable(user: User, mode: ChallengeMode): boolean;
  /** Starts the challenge for the user; returns the code whose hash the session keeps, or null. */
  create(user: User, mode: ChallengeMode, deps: ChallengeDependencies): Promise<string | null>;
  verify(user: User, input: string, pending: PendingChallenge, deps: ChallengeDependencies): Promise<boolean>;
}

const CHALLENGE_TYPES: Readonly<Record<string, ChallengeType>> = {
  totp: {
    isAvailable: (user) => typeof user.secrets["totp"] === "string" && user.secrets["totp"] !== "",
    create: async () => null,
    verify: async (user, input, _pending, deps) => {
      const secret = user.secrets["totp"];
      if (typeof secret !== "string") return false;
      const now = deps.now();
      const step = matchTotpStep(secret, input, now);
      if (step !== null) return totpGuardOf(deps.users).accept(user.id, step, now);
      return (await deps.consumeRecoveryCode?.(user, input)) ?? false;
    },
  },
  email: {
    isAvailable: () => true,
    create: async (user, mode, deps) => {
      const code = createEmailCode();
      const settings = deps.options.auth.challengeEmail;
      const message = composeCodeMessage({
        mode,
        code,
        to: { email: user.email, name: user.name },
        from: {
          email: settings.from ?? `noreply@${deps.siteHost}`,
          name: settings.fromName ?? (deps.siteTitle || null),
        },
        subject: settings.subject,
        siteTitle: deps.siteTitle,
        timeoutSeconds: deps.options.auth.challengeTimeoutSeconds,
      });
      await deps.mailer.send(message);
      return code;
    },
    verify: (_user, input, pending) => verifyEmailCode(input, pending.codeHash),
  },
};

function challengeType(name: string): ChallengeType | undefined {
  return Object.hasOwn(CHALLENGE_TYPES, name) ? CHALLENGE_TYPES[name] : undefined;
}

/** E-mails match case-insensitively; a user id (no @) is a folder name and keeps its case. */
function findUser(deps: ChallengeDependencies, email: string): User | undefined {
  return deps.users.findUser(email.includes("@") ? email.toLowerCase() : email);
}

function rateLimited(deps: ChallengeDependencies, retryAfterSeconds: number): PermissionError {
  return new PermissionError({
    message: "Rate limit exceeded",
    details: { reason: "rate-limited" },
    headers: deps.options.auth.revealThrottle ? { "retry-after": String(retryAfterSeconds) } : {},
  });
}

function isRateLimited(error: unknown): boolean {
  return error instanceof SheafError && error.details["reason"] === "rate-limited";
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a hidden failure is shown after all: `auth.debug: true`, or a block when blocks are revealed. */
function reveals(deps: ChallengeDependencies, error: unknown): boolean {
  return deps.options.auth.debug === true || (isRateLimited(error) && deps.options.auth.revealThrottle);
}

export interface ChallengeRequest {
  readonly email: string;
  readonly mode: ChallengeMode;
}

/**
 * Creates a challenge in `session` (docs/kirby-compat/auth-and-sessions.md#challenges). Every attempt counts as a
 * throttle trial. Failures (unknown user, blocked, mail not sent, no suitable challenge) are hidden unless `auth.debug`
 * is `true`: the session then holds the e-mail, mode and timeout but no type, and the client is told the fallback
 * challenge.
 */
export async function createChallenge(
  deps: ChallengeDependencies,
  session: SessionData,
  request: ChallengeRequest,
): Promise<void> {
  const email = decodeIdnEmail(request.email);
  const throttleKey = email.toLowerCase();
  // A type or code left from an earlier challenge must never complete this one.
  session.remove(CHALLENGE_TYPE_KEY);
  session.remove(CHALLENGE_CODE_KEY);
  try {
    const user = findUser(deps, email);
    const decision = await deps.throttle.check(deps.clientIp, throttleKey, user !== undefined);
    if (decision.blocked) {
      deps.onRefusal?.({
        kind: "blocked",
        email: throttleKey,
        ip: deps.clientIp,
        userAgent: deps.userAgent ?? null,
        reason: "error.permission",
      });
      throw rateLimited(deps, decision.retryAfterSeconds);
    }
    await deps.throttle.track(deps.clientIp, user ? throttleKey : null);
    if (!user) {
      deps.onRefusal?.({
        kind: "failure",
        email: throttleKey,
        ip: deps.clientIp,
        userAgent: deps.userAgent ?? null,
        reason: "error.user.notFound",
      });
      throw new NotFoundError({ key: "user.notFound", data: { name: email } });
    }
    let started = false;
    for (const name of deps.options.auth.challenges) {
      const challenge = challengeType(name);
      if (!challenge?.isAvailable(user, request.mode)) continue;
      const code = await challenge.create(user, request.mode, deps);
      session.set(CHALLENGE_TYPE_KEY, name);
      if (code !== null) session.set(CHALLENGE_CODE_KEY, await hashEmailCode(code));
      started = true;
      break;
    }
    if (!started) throw new LogicError({ message: "Could not find a suitable authentication challenge" });
  } catch (error) {
    if (reveals(deps, error)) throw error;
    if (deps.options.auth.debug === "log")
      deps.log?.(`Login challenge for "${safeValue(request.email)}" not created: ${safeValue(describeError(error))}`);
  }
  session.set(CHALLENGE_EMAIL_KEY, email);
  session.set(CHALLENGE_MODE_KEY, request.mode);
  session.set(CHALLENGE_TIMEOUT_KEY, deps.now() + deps.options.auth.challengeTimeoutSeconds);
  await randomDelay(CREATION_DELAY_MS[0], CREATION_DELAY_MS[1]);
}

export interface VerifiedChallenge {
  readonly user: User;
  /** The mode the challenge was created in (`login`, `password-reset`, `2fa`). */
  readonly mode: string | null;
}

export interface VerificationHooks {
  /** Ends the pending state and any login of the session (a timed-out challenge can never be completed). */
  logOut(): Promise<void>;
}

/**
 * Checks a code against the challenge pending in `session` (docs/kirby-compat/auth-and-sessions.md#challenges) and,
 * when it matches, removes the challenge; logging in is the caller's part. Every failure for a known challenge e-mail
 * counts as a trial (a block does not), waits a random time, and is answered `Invalid code` (403, key
 * `error.access.code`) with `details.challengeDestroyed`, unless `auth.debug` is `true`.
 */
export async function verifyChallenge(
  deps: ChallengeDependencies,
  session: SessionData | null,
  input: string,
  hooks: VerificationHooks,
): Promise<VerifiedChallenge> {
  let email = "";
  let original: unknown;
  try {
    const pending = readChallenge(session);
    if (typeof pending.timeout === "number" && deps.now() > pending.timeout) {
      await hooks.logOut();
      throw new PermissionError({ message: "Authentication challenge timeout", details: { challengeDestroyed: true } });
    }
    if (typeof pending.email === "string") email = pending.email;
    if (!session || typeof pending.email !== "string" || typeof pending.type !== "string") {
      throw new InvalidArgumentError({
        message: "No authentication challenge is active",
        details: { challengeDestroyed: typeof pending.email !== "string" },
      });
    }
    const user = findUser(deps, pending.email);
    if (!user) throw new NotFoundError({ key: "user.notFound", data: { name: pending.email } });
    const decision = await deps.throttle.check(deps.clientIp, pending.email.toLowerCase(), true);
    if (decision.blocked) throw rateLimited(deps, decision.retryAfterSeconds);
    const challenge = challengeType(pending.type);
    if (!challenge) throw new LogicError({ message: `Invalid authentication challenge: ${pending.type}` });
    if (!(await challenge.verify(user, input, pending, deps))) throw new PermissionError({ key: "access.code" });
    if (user.id === "kirby") {
      throw new PermissionError({
        message:
          'The almighty user "kirby" cannot be used for login, only for raising permissions in code via `$kirby->impersonate()`',
      });
    }
    clearChallenge(session);
    return { user, mode: typeof pending.mode === "string" ? pending.mode : null };
  } catch (error) {
    original = error;
  }

  const throttleKey = email.toLowerCase();
  const blocked = isRateLimited(original);
  const reason = original instanceof SheafError ? original.key : "error.general";
  if (blocked) {
    deps.onRefusal?.({
      kind: "blocked",
      email: throttleKey,
      ip: deps.clientIp,
      userAgent: deps.userAgent ?? null,
      reason,
    });
  } else if (email !== "") {
    await deps.throttle.track(deps.clientIp, findUser(deps, email) ? throttleKey : null);
    deps.onRefusal?.({
      kind: "failure",
      email: throttleKey,
      ip: deps.clientIp,
      userAgent: deps.userAgent ?? null,
      reason,
    });
  }
  await randomDelay(deps.failureDelayMs[0], deps.failureDelayMs[1]);
  if (reveals(deps, original)) throw original;
  if (deps.options.auth.debug === "log")
    deps.log?.(`Login code for "${safeValue(email)}" refused: ${safeValue(describeError(original))}`);
  const destroyed = original instanceof SheafError ? original.details["challengeDestroyed"] : undefined;
  throw new PermissionError({ key: "access.code", details: { challengeDestroyed: destroyed ?? false } });
}
