import { createHmac } from "node:crypto";
import { safeEqual } from "../crypto/safe-equal.js";
import { BoundedMemo } from "../cache/bounded-memo.js";

/** Kirby's signed cookie value: `<hex HMAC-SHA1 of value>+<value>`; on the wire the `+` is `%2B`. */
export function signCookieValue(value: string, hmacKey: string): string {
  return `${createHmac("sha1", hmacKey).update(value).digest("hex")}+${value}`;
}

/**
 * Longest signed cookie value read: Kirby's is 140 characters. A longer one is no session, refused before any
 * hashing or remembering (the default cookie key is public, so anyone can sign a huge value).
 */
export const MAX_COOKIE_VALUE_LENGTH = 512;

/** Verified values are remembered for a while, bounded in count and size (the key is at most 512 characters). */
const verifiedCookies = new BoundedMemo<{ readonly hmacKey: string; readonly value: string }>(
  { maxEntries: 10_000, maxChars: 4 * 1024 * 1024 },
  () => Date.now(),
);
const VERIFIED_COOKIE_TTL_MS = 10 * 60 * 1000;

/** The memo of verified cookies (for tests of its bounds). */
export const verifiedCookieMemo: Pick<
  BoundedMemo<unknown>,
  "size" | "heldChars" | "maxEntries" | "maxChars"
> = verifiedCookies;

/**
 * Verifies a signed cookie value (after percent-decoding) and returns the inner value, or null when it is too
 * long, not signed, the signature is empty or does not match. The value may itself contain `+` (split at the
 * first one).
 */
export function verifyCookieValue(signed: string, hmacKey: string): string | null {
  if (signed.length > MAX_COOKIE_VALUE_LENGTH) return null;
  const known = verifiedCookies.get(signed);
  if (known !== undefined && known.hmacKey === hmacKey) return known.value;
  const value = verifySignature(signed, hmacKey);
  if (value !== null) {
    // only values that verified are remembered, so a forged cookie is checked in full every time
    verifiedCookies.set(signed, { hmacKey, value }, hmacKey.length + value.length, Date.now() + VERIFIED_COOKIE_TTL_MS);
  }
  return value;
}

function verifySignature(signed: string, hmacKey: string): string | null {
  const plus = signed.indexOf("+");
  if (plus <= 0) return null;
  const hmac = signed.slice(0, plus);
  const value = signed.slice(plus + 1);
  const expected = createHmac("sha1", hmacKey).update(value).digest("hex");
  return safeEqual(hmac, expected) ? value : null;
}

export interface SetCookieOptions {
  readonly name: string;
  readonly value: string;
  /** Absolute expiry in Unix seconds; `null` for a browser-session cookie. */
  readonly expiresAtUnix: number | null;
  readonly nowUnix: number;
  readonly path: string;
  readonly domain: string | null;
  readonly secure: boolean;
}

/** Formats a Set-Cookie header exactly as Kirby sends it (attribute names, order and case). */
export function formatSetCookie(options: SetCookieOptions): string {
  const parts = [`${options.name}=${encodeURIComponent(options.value)}`];
  if (options.expiresAtUnix !== null) {
    const maxAge = options.expiresAtUnix - options.nowUnix;
    parts.push(`expires=${new Date(options.expiresAtUnix * 1000).toUTCString()}`);
    parts.push(`Max-Age=${maxAge}`);
  }
  parts.push(`path=${options.path}`);
  if (options.domain) parts.push(`domain=${options.domain}`);
  if (options.secure) parts.push("secure");
  parts.push("HttpOnly", "SameSite=Lax");
  return parts.join("; ");
}

/** A cookie that makes the browser drop the session cookie (empty value, expiry in the past). */
export function formatDeletionCookie(name: string, path: string, domain: string | null, secure: boolean): string {
  const parts = [`${name}=deleted`, "expires=Thu, 01 Jan 1970 00:00:01 GMT", "Max-Age=0", `path=${path}`];
  if (domain) parts.push(`domain=${domain}`);
  if (secure) parts.push("secure");
  parts.push("HttpOnly", "SameSite=Lax");
  return parts.join("; ");
}

/** Reads one cookie from a Cookie header without splitting or decoding the others. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end < 0) end = header.length;
    const eq = header.indexOf("=", start);
    if (eq >= 0 && eq < end && header.slice(start, eq).trim() === name) {
      const raw = header.slice(eq + 1, end).trim();
      if (!raw.includes("%")) return raw;
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
    start = end + 1;
  }
  return undefined;
}
