/**
 * The `email` challenge: a random 6-digit code sent by mail; the session keeps only its bcrypt hash.
 */

import { randomInt } from "node:crypto";
import { hashPassword, verifyPassword } from "../../accounts/passwords.js";
import type { MailAddress, MailMessage } from "../../mail/mailer.js";

export type ChallengeMode = "login" | "password-reset" | "2fa";

/** A new code: six random decimal digits (leading zeros kept). */
export function createEmailCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

/** `123456` ⇒ `123 456`, easier to read and type. */
export function formatEmailCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

export function hashEmailCode(code: string): Promise<string> {
  return hashPassword(code);
}

/** Whether the typed code matches the stored hash; spaces are ignored (`"123 456"` works). */
export function verifyEmailCode(input: string, storedHash: unknown): Promise<boolean> {
  if (typeof storedHash !== "string") return Promise.resolve(false);
  return verifyPassword(input.replace(/ /g, ""), storedHash);
}

export interface CodeMessageInput {
  readonly mode: ChallengeMode;
  readonly code: string;
  readonly to: MailAddress;
  readonly from: MailAddress;
  /** `auth.challenge.email.subject`, or null for the default of the mode. */
  readonly subject: string | null;
  readonly siteTitle: string;
  readonly timeoutSeconds: number;
}

/** A 2FA step is a login: it uses the login wording. */
function purpose(mode: ChallengeMode): "login" | "password reset" {
  return mode === "password-reset" ? "password reset" : "login";
}

/** The mail carrying a code: addressed by name (or e-mail), naming the site, the code and how long it is valid. */
export function composeCodeMessage(input: CodeMessageInput): MailMessage {
  const kind = purpose(input.mode);
  const minutes = Math.round(input.timeoutSeconds / 60);
  const site = input.siteTitle === "" ? "the site" : input.siteTitle;
  const text = [
    `Hello ${input.to.name || input.to.email},`,
    "",
    `here is the ${kind} code you asked for on ${site}:`,
    "",
    formatEmailCode(input.code),
    "",
    `It is valid for ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`,
    `If you did not ask for a ${kind} code, ignore this message. Never pass the code on to anyone.`,
  ].join("\n");
  return {
    from: input.from,
    to: input.to,
    subject: input.subject ?? (kind === "login" ? "Your login code" : "Your password reset code"),
    text,
  };
}
