/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA-1, 6 digits, 30-second steps. A secret is
 * 32 base32 characters (20 bytes), as stored in line 2 of `.htpasswd` (`{"totp":"…"}`).
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeBase32, encodeBase32 } from "../../crypto/base32.js";
import { InvalidArgumentError } from "../../errors.js";

export { decodeBase32, encodeBase32 };

export const TOTP_SECRET_LENGTH = 32;
export const TOTP_STEP_SECONDS = 30;
const DIGITS = 6;

/** A new random secret: 20 bytes as 32 base32 characters. */
export function generateTotpSecret(): string {
  return encodeBase32(randomBytes(20));
}

/**
 * The key bytes of a stored secret.
 *
 * @throws InvalidArgumentError when the secret is not 32 base32 characters.
 */
export function totpKey(secret: string): Buffer {
  const key = secret.length === TOTP_SECRET_LENGTH ? decodeBase32(secret) : null;
  if (!key) throw new InvalidArgumentError({ message: "A TOTP secret must be 32 base32 characters (20 bytes)" });
  return key;
}

/** RFC 4226 HOTP value of one counter, as a zero-padded decimal string. */
function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
}

/** The code of the time step containing `unixSeconds`, shifted by `stepOffset` steps. */
export function totpCode(secret: string, unixSeconds: number, stepOffset = 0): string {
  return hotp(totpKey(secret), Math.floor(unixSeconds / TOTP_STEP_SECONDS) + stepOffset);
}

/**
 * The time step whose code `input` is (anything but digits ignored, e.g. `"797 947"`): the previous, current or
 * next step, so a clock drift or a slow typist within one step still succeeds. Null when it is none of them.
 *
 * @throws InvalidArgumentError when the secret is malformed.
 */
export function matchTotpStep(secret: string, input: string, unixSeconds: number): number | null {
  const key = totpKey(secret);
  const digits = Buffer.from(input.replace(/[^0-9]/g, ""));
  if (digits.length !== DIGITS) return null;
  const step = Math.floor(unixSeconds / TOTP_STEP_SECONDS);
  let matched: number | null = null;
  for (const offset of [-1, 0, 1]) {
    if (timingSafeEqual(Buffer.from(hotp(key, step + offset)), digits)) matched = step + offset;
  }
  return matched;
}

/** Whether `input` is the code of the previous, current or next time step (see `matchTotpStep`). */
export function verifyTotp(secret: string, input: string, unixSeconds: number): boolean {
  return matchTotpStep(secret, input, unixSeconds) !== null;
}

/**
 * The last time step accepted per user, so that a code is good for one login only (RFC 6238 §5.2): a code seen
 * over someone's shoulder or replayed from a proxy log within its 90 seconds is refused. Held in memory, bounded:
 * a code outlives its window by at most 90 s, so a restart forgets nothing that matters, and persisting it with
 * the secret would rewrite the account file (and wake every watcher of it) on each login.
 */
export class TotpReplayGuard {
  private readonly lastSteps = new Map<string, number>();

  constructor(private readonly maxUsers = 10_000) {}

  /** Accepts `step` for the user when it is later than the last one accepted; remembers it then. */
  accept(userId: string, step: number, unixSeconds: number): boolean {
    const last = this.lastSteps.get(userId);
    if (last !== undefined && step <= last) return false;
    this.lastSteps.delete(userId);
    this.lastSteps.set(userId, step);
    if (this.lastSteps.size > this.maxUsers) this.forgetExpired(unixSeconds);
    return true;
  }

  get size(): number {
    return this.lastSteps.size;
  }

  private forgetExpired(unixSeconds: number): void {
    // a step two behind the current one can no longer be entered anyway
    const oldestUsable = Math.floor(unixSeconds / TOTP_STEP_SECONDS) - 1;
    for (const [userId, step] of this.lastSteps) if (step < oldestUsable) this.lastSteps.delete(userId);
    while (this.lastSteps.size > this.maxUsers) this.lastSteps.delete(this.lastSteps.keys().next().value as string);
  }
}
