/**
 * A cookie store for runtimes without one (Node): it keeps what one server sets and sends it back to that server.
 * A client talks to a single origin, so domains are not tracked; paths and expiry are.
 */

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** Milliseconds since the epoch; null for a cookie that lives as long as the jar. */
  readonly expiresAt: number | null;
}

function attribute(parts: readonly string[], name: string): string | undefined {
  for (const part of parts) {
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key === name) return eq < 0 ? "" : part.slice(eq + 1).trim();
  }
  return undefined;
}

/** When the cookie expires: `Max-Age` wins over `Expires` (RFC 6265 §5.3); null when neither is usable. */
function expiryOf(attributes: readonly string[], now: number): number | null {
  const maxAge = attribute(attributes, "max-age");
  if (maxAge !== undefined && /^-?\d+$/.test(maxAge)) return now + Number(maxAge) * 1000;
  const expires = attribute(attributes, "expires");
  if (expires !== undefined) {
    const time = Date.parse(expires);
    if (!Number.isNaN(time)) return time;
  }
  return null;
}

export function parseSetCookie(header: string, now: number): StoredCookie | null {
  const [pair = "", ...attributes] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  if (name === "") return null;
  const path = attribute(attributes, "path");
  return {
    name,
    value: pair.slice(eq + 1).trim(),
    path: path?.startsWith("/") ? path : "/",
    expiresAt: expiryOf(attributes, now),
  };
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === "/" || cookiePath === requestPath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}

export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  /**
   * Takes every `Set-Cookie` header of one answer, in order: a later header for the same cookie replaces an
   * earlier one, and an expired one removes it.
   */
  store(setCookieHeaders: readonly string[], now: number = Date.now()): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, now);
      if (!cookie) continue;
      const key = `${cookie.path}\u0000${cookie.name}`;
      if (cookie.expiresAt !== null && cookie.expiresAt <= now) {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, cookie);
      }
    }
  }

  /** The `Cookie` header for a request to `path`, or null when no cookie applies. */
  header(path: string, now: number = Date.now()): string | null {
    const pairs: string[] = [];
    for (const [key, cookie] of this.cookies) {
      if (cookie.expiresAt !== null && cookie.expiresAt <= now) {
        this.cookies.delete(key);
        continue;
      }
      if (!pathMatches(cookie.path, path)) continue;
      pairs.push(`${cookie.name}=${cookie.value}`);
    }
    return pairs.length ? pairs.join("; ") : null;
  }

  /** The value of a cookie as the server set it (still percent-encoded), if it is held and not expired. */
  get(name: string, now: number = Date.now()): string | undefined {
    for (const cookie of this.cookies.values()) {
      if (cookie.name !== name) continue;
      if (cookie.expiresAt !== null && cookie.expiresAt <= now) continue;
      return cookie.value;
    }
    return undefined;
  }

  clear(): void {
    this.cookies.clear();
  }
}
