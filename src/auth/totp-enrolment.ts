/**
 * Turning on time-based codes (TOTP) for one's own account: a fresh secret with its `otpauth://` URI and QR code,
 * kept pending in the session until the user confirms it with a first valid code; and the checks of a second factor
 * (a TOTP code, or a recovery code where allowed) with the same throttle, audit and delay as a wrong password.
 */

import QRCode from "qrcode";
import type { User } from "../accounts/types.js";
import { InvalidArgumentError, PermissionError } from "../errors.js";
import { generateTotpSecret, matchTotpStep, TOTP_SECRET_LENGTH } from "./challenges/totp.js";
import { totpGuardOf } from "./challenges/challenge-flow.js";
import type { SessionData } from "./challenges/challenge-session.js";
import { randomDelay } from "./delay.js";
import type { PasswordCheckOptions, UserLookup } from "./passwords.js";

/** Session key of the secret being set up: `{ secret, expiresAt }` (unix seconds). */
export const PENDING_TOTP_KEY = "sheaf.totp.pending";
/** How long a started setup can be confirmed. */
export const PENDING_TOTP_SECONDS = 15 * 60;
/** Longest code input looked at: a TOTP code or a recovery code with separators and spaces. */
export const MAX_CODE_INPUT = 64;

export interface TotpEnrolment {
  readonly secret: string;
  readonly uri: string;
  /** The URI as a QR code, an SVG document of paths only. */
  readonly qr: string;
  /** ISO 8601: until when the setup can be confirmed. */
  readonly expiresAt: string;
}

/**
 * The key URI authenticator apps read: `otpauth://totp/<issuer>:<account>?secret=…&issuer=…` with the defaults the
 * server verifies (SHA-1, 6 digits, 30 s) spelled out.
 */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
  return `otpauth://totp/${label}?${query}`;
}

/** The issuer shown in authenticator apps: the site title, else the host name; colons would split the label. */
export function totpIssuer(siteTitle: string, host: string): string {
  const name = (siteTitle.trim() || host).replace(/:/g, " ").slice(0, 100);
  return name === "" ? "Sheaf" : name;
}

/** Starts a setup: a new secret, kept in `session` until confirmed (a second start replaces it). */
export async function startTotpEnrolment(
  session: SessionData,
  { issuer, email, now }: { issuer: string; email: string; now: number },
): Promise<TotpEnrolment> {
  const secret = generateTotpSecret();
  const uri = otpauthUri(issuer, email, secret);
  const qr = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  const expiresAt = now + PENDING_TOTP_SECONDS;
  session.set(PENDING_TOTP_KEY, { secret, expiresAt });
  return { secret, uri, qr, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/**
 * The secret pending in `session`.
 *
 * @throws InvalidArgumentError when no setup was started in this session or it has expired.
 */
export function pendingTotpSecret(session: SessionData, now: number): string {
  const pending = session.get(PENDING_TOTP_KEY);
  const record = typeof pending === "object" && pending !== null ? (pending as Record<string, unknown>) : {};
  const { secret, expiresAt } = record;
  if (typeof secret !== "string" || secret.length !== TOTP_SECRET_LENGTH || typeof expiresAt !== "number") {
    throw new InvalidArgumentError({ message: "No two-factor setup is pending: start one with POST account/totp" });
  }
  if (now > expiresAt) {
    session.remove(PENDING_TOTP_KEY);
    throw new InvalidArgumentError({ message: "The two-factor setup has expired: start again" });
  }
  return secret;
}

/** Whether `input` is a current code of `secret` whose time step the user has not used yet (then it is used). */
export function acceptTotpOnce(users: UserLookup, user: User, secret: string, input: string, now: number): boolean {
  const step = matchTotpStep(secret, input, now);
  return step !== null && totpGuardOf(users).accept(user.id, step, now);
}

/** The code field of a request: text of a sane length. */
export function codeInput(value: string | undefined): string {
  if (value === undefined || value.trim() === "")
    throw new InvalidArgumentError({ message: 'The "code" field is missing' });
  if (value.length > MAX_CODE_INPUT) throw new PermissionError({ key: "access.code" });
  return value;
}

/**
 * Checks a second factor of `user` like a password: refused while the address or account is blocked; a wrong code
 * counts as a failed trial, is reported to `onRefusal` (the audit log), waits a random time and is answered
 * `Invalid code` (403, `error.access.code`).
 */
export async function checkSecondFactor(
  options: PasswordCheckOptions,
  user: User,
  client: { ip: string; userAgent: string | null },
  verify: () => boolean | Promise<boolean>,
): Promise<void> {
  const email = user.email.toLowerCase();
  const decision = await options.throttle.check(client.ip, email, true);
  if (decision.blocked) {
    options.onRefusal?.({
      kind: "blocked",
      email,
      ip: client.ip,
      userAgent: client.userAgent,
      reason: "error.access.code",
    });
    throw new PermissionError({
      message: "Rate limit exceeded",
      details: { reason: "rate-limited" },
      headers: options.revealThrottle ? { "retry-after": String(decision.retryAfterSeconds) } : {},
    });
  }
  if (await verify()) return;
  options.onRefusal?.({
    kind: "failure",
    email,
    ip: client.ip,
    userAgent: client.userAgent,
    reason: "error.access.code",
  });
  await options.throttle.track(client.ip, email);
  await randomDelay(options.failureDelayMs[0], options.failureDelayMs[1]);
  throw new PermissionError({ key: "access.code" });
}
