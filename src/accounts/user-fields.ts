/**
 * What makes a user's e-mail, name, language and password acceptable, and how they are stored (docs/kirby-compat/auth-and-sessions.md#passwords, docs/kirby-compat/permissions.md#user-rules).
 * Shared by the user rules (permissions/) and the login checks (auth/), so it lives below both.
 */

import { domainToASCII, domainToUnicode } from "node:url";
import { InvalidArgumentError } from "../errors.js";

/** RFC 5321's limit of a whole address. */
export const MAX_EMAIL_LENGTH = 254;
/**
 * Passwords may have 1,000 characters (code points); 1,000 code points take at most 2,000 UTF-16 units, so a longer
 * string is refused without counting anything.
 */
export const MAX_PASSWORD_UNITS = 2000;

/** Interface languages a user may choose: the Panel translations Kirby 5 ships. */
export const PANEL_TRANSLATIONS: ReadonlySet<string> = new Set([
  "bg",
  "bs",
  "ca",
  "cs",
  "da",
  "de",
  "el",
  "en",
  "eo",
  "es_419",
  "es_ES",
  "fa",
  "fi",
  "fr",
  "hu",
  "id",
  "is_IS",
  "it",
  "ja",
  "ko",
  "lt",
  "nb",
  "nl",
  "pl",
  "pt_BR",
  "pt_PT",
  "ro",
  "ru",
  "sk",
  "sv_SE",
  "tr",
  "uk",
  "zh_CN",
  "zh_TW",
]);

const EMAIL_LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_DOMAIN_LABEL = /^(?:xn--)?[a-z0-9]+(?:-+[a-z0-9]+)*$/i;

/** Decodes a punycode domain of an e-mail (`test@xn--exmple-cua.com` ⇒ `test@exämple.com`). */
export function decodeIdnEmail(email: string): string {
  // an address too long to be valid matches nobody: not worth decoding
  if (email.length > MAX_EMAIL_LENGTH) return email;
  const at = email.lastIndexOf("@");
  if (at < 0) return email;
  const domain = email.slice(at + 1);
  if (!/xn--/i.test(domain)) return email;
  const unicode = domainToUnicode(domain);
  return unicode ? `${email.slice(0, at)}@${unicode}` : email;
}

/** Characters (code points) of a password; only compared with 8 and 1,000, so a string certainly over 1,000 is not counted. */
export function passwordLength(password: string): number {
  if (password.length > MAX_PASSWORD_UNITS) return password.length;
  return [...password].length;
}

// ---- normalisation -------------------------------------------------------------------------------------------

/** E-mail as stored: trimmed, punycode domain decoded, lower-cased. */
export function normaliseEmail(input: string): string {
  return decodeIdnEmail(input.trim()).toLowerCase();
}

/** Removes HTML tags and comments the way PHP's `strip_tags` does for plain text (`a < b` is kept). */
export function stripTags(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, "").replace(/<(?=\S)[^>]*(?:>|$)/g, "");
}

/** Name as stored: tags stripped, trimmed (`"  <b>Newbie</b> "` ⇒ `Newbie`). */
export function normaliseName(input: string): string {
  return stripTags(input).trim();
}

export function normaliseRoleName(input: string): string {
  return input.trim().toLowerCase();
}

// ---- validation ----------------------------------------------------------------------------------------------

/** A syntactically valid address (dot-atom local part, a domain of at least two labels; IDN domains allowed). */
export function isValidEmail(email: string): boolean {
  // checked first: converting the domain of a longer (possibly huge) input to ASCII is wasted work
  if (email.length > 254) return false;
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return false;
  const local = email.slice(0, at);
  const domain = domainToASCII(email.slice(at + 1));
  if (domain === "" || local.length > 64 || local.length + 1 + domain.length > 254) return false;
  if (!EMAIL_LOCAL_PART.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  if (labels.some((label) => label.length > 63 || !EMAIL_DOMAIN_LABEL.test(label))) return false;
  const topLevel = labels[labels.length - 1] ?? "";
  return /^[a-z]/i.test(topLevel);
}

/** Passwords of 8 to 1000 characters (docs/kirby-compat/auth-and-sessions.md#passwords). */
export function assertValidPassword(password: string): void {
  const length = passwordLength(password);
  if (length < 8) throw new InvalidArgumentError({ key: "user.password.invalid" });
  if (length > 1000) throw new InvalidArgumentError({ key: "user.password.excessive" });
}

export function assertValidLanguage(language: string): void {
  if (!PANEL_TRANSLATIONS.has(language)) throw new InvalidArgumentError({ key: "user.language.invalid" });
}
