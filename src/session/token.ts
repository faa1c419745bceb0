import { randomBytes } from "node:crypto";

/** A session token `<expiry>.<id>.<key>`: expiry in Unix seconds, 20-hex id, 64-hex secret key. */
export interface SessionToken {
  readonly expiresAtUnix: number;
  readonly id: string;
  readonly key: string;
}

const TOKEN_PATTERN = /^([0-9]{1,12})\.([0-9a-f]{20})\.([0-9a-f]{64})$/;

export function formatToken(token: SessionToken): string {
  return `${token.expiresAtUnix}.${token.id}.${token.key}`;
}

/** Parses a token; anything not in the canonical form (e.g. `0123.…`, upper-case hex) is rejected. */
export function parseToken(text: string): SessionToken | null {
  const match = TOKEN_PATTERN.exec(text);
  if (!match) return null;
  const expiresAtUnix = Number(match[1]);
  if (String(expiresAtUnix) !== match[1]) return null;
  return { expiresAtUnix, id: match[2] as string, key: match[3] as string };
}

export function generateToken(expiresAtUnix: number): SessionToken {
  return { expiresAtUnix, id: randomBytes(10).toString("hex"), key: randomBytes(32).toString("hex") };
}

/** The store key of a session: `<expiry>.<id>` (the secret key is never stored). */
export function storeKeyOf(token: Pick<SessionToken, "expiresAtUnix" | "id">): string {
  return `${token.expiresAtUnix}.${token.id}`;
}
