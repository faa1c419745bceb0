/**
 * `Authorization` header split into scheme and payload
 * (docs/kirby-compat/auth-and-sessions.md#authorization-header); only known schemes are recognised.
 */
export interface AuthorizationHeader {
  readonly scheme: "basic" | "bearer" | "session";
  readonly payload: string;
}

export function parseAuthorizationHeader(header: string | undefined): AuthorizationHeader | null {
  if (!header) return null;
  const space = header.indexOf(" ");
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  if (scheme !== "basic" && scheme !== "bearer" && scheme !== "session") return null;
  return { scheme, payload: header.slice(space + 1) };
}

/** Basic credentials: text before the first `:` and after it; no `:` (or undecodable) ⇒ both empty. */
export function decodeBasicCredentials(payload: string): { username: string; password: string } {
  const trimmed = payload.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed)) return { username: "", password: "" };
  const decoded = Buffer.from(trimmed, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { username: "", password: "" };
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
