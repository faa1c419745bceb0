import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { safeEqual } from "../crypto/safe-equal.js";

/** A live session as stored. Times are Unix seconds. */
export interface ActiveSessionRecord {
  readonly kind: "active";
  startedAtUnix: number;
  expiresAtUnix: number;
  durationSeconds: number;
  /** Idle timeout, or false for long sessions. */
  timeoutSeconds: number | false;
  lastActivityAtUnix: number | null;
  renewable: boolean;
  data: Record<string, unknown>;
  /** Bookkeeping for session management: who opened it and from where (never secrets). */
  meta?: { createdIp?: string; userAgent?: string; lastSeenAtUnix?: number };
}

/** What is left at an old token for a short time after a renewal: a pointer to the new session. */
export interface MovedSessionRecord {
  readonly kind: "moved";
  movedUntilUnix: number;
  newStoreKey: string;
  /** The new token's key, sealed with the old token's key (so only a holder of the old token can follow). */
  sealedNewKey: string;
}

export type SessionRecord = ActiveSessionRecord | MovedSessionRecord;

/**
 * Serialises a record protected by an HMAC-SHA256 keyed with the token's secret key, which is never stored:
 * a record cannot be read as valid (or forged) without the token that owns it.
 */
export function sealRecord(record: SessionRecord, tokenKey: string): string {
  const json = JSON.stringify(record);
  const hmac = createHmac("sha256", tokenKey).update(json).digest("hex");
  return `${hmac}\n${json}`;
}

/** Returns the record, or null when the blob is malformed or its HMAC does not match the token key. */
export function openRecord(blob: string, tokenKey: string): SessionRecord | null {
  const newline = blob.indexOf("\n");
  if (newline !== 64) return null;
  const hmac = blob.slice(0, newline);
  const json = blob.slice(newline + 1);
  const expected = createHmac("sha256", tokenKey).update(json).digest("hex");
  if (!safeEqual(hmac, expected)) return null;
  try {
    const record = JSON.parse(json) as SessionRecord;
    if (record.kind !== "active" && record.kind !== "moved") return null;
    return record;
  } catch {
    return null;
  }
}

function keyFrom(tokenKey: string): Buffer {
  return createHash("sha256").update(`sheaf-session-forward:${tokenKey}`).digest();
}

export function sealKey(newKey: string, oldKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(oldKey), iv);
  const body = Buffer.concat([cipher.update(newKey, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function unsealKey(sealed: string, oldKey: string): string | null {
  try {
    const raw = Buffer.from(sealed, "base64");
    const decipher = createDecipheriv("aes-256-gcm", keyFrom(oldKey), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
