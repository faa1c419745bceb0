import { InvalidArgumentError, NotFoundError, PermissionError, SheafError } from "../errors.js";
import type { User } from "../accounts/types.js";
import { assertValidPassword, decodeIdnEmail } from "../accounts/user-fields.js";
import type { AuthDebug } from "../config/index.js";
import { safeValue } from "../log/safe-value.js";
import { randomDelay } from "./delay.js";
import type { LoginThrottle } from "./throttle.js";

// The e-mail and password rules are the accounts layer's; auth's modules and callers keep importing them from here.
export { decodeIdnEmail, passwordLength } from "../accounts/user-fields.js";

/** What password checks need to know about users. */
export interface UserLookup {
  findUser(key: string): User | undefined;
}

export type PasswordVerifier = (password: string, hash: string) => Promise<boolean>;

export interface PasswordCheckOptions {
  readonly users: UserLookup;
  readonly throttle: LoginThrottle;
  readonly verify: PasswordVerifier;
  readonly authDebug: AuthDebug;
  /** Random delay after a failure, in milliseconds (Kirby: 10–2000). */
  readonly failureDelayMs: readonly [number, number];
  /** Answer a blocked attempt with `Rate limit exceeded` and `Retry-After` instead of `Invalid login`. */
  readonly revealThrottle?: boolean;
  /** Told of every refused attempt (for the audit log): blocked by the throttle, or a failed check. */
  readonly onRefusal?: (refusal: {
    readonly kind: "blocked" | "failure";
    readonly email: string;
    readonly ip: string;
    readonly userAgent: string | null;
    readonly reason: string;
  }) => void;
  readonly log?: (message: string) => void;
}

/** A bcrypt hash of a random string: verifying against it costs what a real check costs. */
const TIMING_DUMMY_HASH = "$2y$10$wEfSC4FchdQ2z6.KjswtPeCy0Bt.YE/rJtdejQoKCypRk3W5zTUBe";

/**
 * The user-level checks of a password (docs/kirby-compat/auth-and-sessions.md#passwords), without throttling or
 * masking.
 */
export async function checkUserPassword(user: User, password: string, verify: PasswordVerifier): Promise<void> {
  if (!user.passwordHash) throw new NotFoundError({ key: "user.password.undefined" });
  assertValidPassword(password);
  if (!(await verify(password, user.passwordHash))) {
    throw new InvalidArgumentError({ key: "user.password.wrong", httpCode: 401 });
  }
}

/**
 * Validates e-mail and password for a login or a Basic request (docs/kirby-compat/auth-and-sessions.md#passwords):
 * throttle, lookup, checks; every failure is counted (except a block), delayed at random, and masked as `Invalid login`
 * unless `auth.debug`.
 */
export async function validatePassword(
  options: PasswordCheckOptions,
  emailInput: string,
  password: string,
  clientIp: string,
  userAgent: string | null = null,
  { knownDeviceUserId = null }: { knownDeviceUserId?: string | null } = {},
): Promise<User> {
  const decoded = decodeIdnEmail(emailInput);
  const email = decoded.toLowerCase();
  // E-mails match case-insensitively; a user id (no @) is a folder name and keeps its case.
  const user = options.users.findUser(decoded.includes("@") ? email : decoded);
  let hashed = false;
  const verify: PasswordVerifier = (candidate, hash) => {
    hashed = true;
    return options.verify(candidate, hash);
  };
  let original: SheafError;
  try {
    const knownDevice = user !== undefined && knownDeviceUserId === user.id;
    const decision = await options.throttle.check(clientIp, email, user !== undefined, { knownDevice });
    if (decision.blocked) {
      throw new PermissionError({
        message: "Rate limit exceeded",
        details: { reason: "rate-limited" },
        headers: options.revealThrottle ? { "retry-after": String(decision.retryAfterSeconds) } : {},
      });
    }
    if (!user) throw new NotFoundError({ key: "user.notFound", data: { name: emailInput } });
    await checkUserPassword(user, password, verify);
    return user;
  } catch (error) {
    if (!(error instanceof SheafError)) throw error;
    original = error;
  }
  const rateLimited = original.details["reason"] === "rate-limited";
  // Every checked failure costs one bcrypt check, so the answer time does not tell an unknown account or a
  // password of the wrong length from a wrong password (bcrypt reads 72 bytes at most). A blocked attempt costs
  // none: it must stay cheap to refuse.
  if (!hashed && !rateLimited) await options.verify(password.slice(0, 72), TIMING_DUMMY_HASH).catch(() => false);
  options.onRefusal?.({
    kind: rateLimited ? "blocked" : "failure",
    email,
    ip: clientIp,
    userAgent,
    reason: original.key,
  });
  if (!rateLimited) {
    // Counted under the same normalised key the check reads (lower-cased, IDN-decoded input).
    await options.throttle.track(clientIp, user ? email : null);
  }
  await randomDelay(options.failureDelayMs[0], options.failureDelayMs[1]);
  if (options.authDebug === true || (rateLimited && options.revealThrottle === true)) throw original;
  if (options.authDebug === "log")
    options.log?.(`Login failed for "${safeValue(emailInput)}": ${safeValue(original.message)}`);
  throw new PermissionError({ key: "access.login" });
}

/**
 * The acting user's current password before a password change (docs/kirby-compat/auth-and-sessions.md#password-change).
 * Kirby neither throttles nor counts this check, so a stolen session could try passwords at leisure: here it is counted
 * and blocked like a failed login of that user, and told to the audit log. The answers stay Kirby's (`Wrong password`,
 * 401); a blocked attempt is refused even with the right password.
 */
export async function verifyCurrentPassword(
  options: PasswordCheckOptions,
  user: User,
  password: string,
  clientIp: string,
  userAgent: string | null = null,
): Promise<void> {
  const email = user.email.toLowerCase();
  const decision = await options.throttle.check(clientIp, email, true);
  if (decision.blocked) {
    options.onRefusal?.({ kind: "blocked", email, ip: clientIp, userAgent, reason: "error.user.password.wrong" });
    throw new PermissionError({
      message: "Rate limit exceeded",
      details: { reason: "rate-limited" },
      headers: options.revealThrottle ? { "retry-after": String(decision.retryAfterSeconds) } : {},
    });
  }
  try {
    await checkUserPassword(user, password, options.verify);
  } catch (error) {
    if (!(error instanceof SheafError)) throw error;
    options.onRefusal?.({ kind: "failure", email, ip: clientIp, userAgent, reason: error.key });
    await options.throttle.track(clientIp, email);
    await randomDelay(options.failureDelayMs[0], options.failureDelayMs[1]);
    throw error;
  }
}
