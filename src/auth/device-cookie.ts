import { createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { safeEqual } from "../crypto/safe-equal.js";

/**
 * The known-device cookie: a browser that logged in to an account before carries `sheaf_device=<user>.<time>.<mac>`
 * (HMAC-SHA256 with a per-site key), and the throttle does not slow it down while strangers attack the account.
 * It proves nothing but an earlier login: the password is still checked, and the per-address limits still apply.
 */
export const DEVICE_COOKIE_NAME = "sheaf_device";
/** How long a device is remembered after its last login. */
export const DEVICE_LIFETIME_SECONDS = 180 * 24 * 3600;
/** Longer values are not ours: refused before any hashing. */
const MAX_VALUE_LENGTH = 256;

export interface KnownDevice {
  readonly userId: string;
  readonly issuedAtUnix: number;
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

export class DeviceCookies {
  constructor(
    private readonly key: string,
    /** Called before each cookie is issued (to save a key made for this site on first use). */
    private readonly beforeIssue?: () => void,
  ) {}

  private mac(payload: string): string {
    return createHmac("sha256", this.key).update(`sheaf-device|${payload}`).digest("base64url");
  }

  /** The cookie value that remembers `userId` from `nowUnix` on. */
  issue(userId: string, nowUnix: number): string {
    this.beforeIssue?.();
    const payload = `${base64url(userId)}.${nowUnix}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** The device a cookie value vouches for, or null when it is malformed, forged, expired or from the future. */
  verify(value: string | undefined, nowUnix: number): KnownDevice | null {
    if (value === undefined || value.length > MAX_VALUE_LENGTH) return null;
    const parts = value.split(".");
    if (parts.length !== 3) return null;
    const [user, issued, mac] = parts as [string, string, string];
    if (!/^[0-9]{1,12}$/.test(issued) || !safeEqual(mac, this.mac(`${user}.${issued}`))) return null;
    const issuedAtUnix = Number(issued);
    if (issuedAtUnix > nowUnix + 60 || issuedAtUnix + DEVICE_LIFETIME_SECONDS < nowUnix) return null;
    return { userId: Buffer.from(user, "base64url").toString("utf8"), issuedAtUnix };
  }

  /** `Set-Cookie` for a device cookie: long-lived, HttpOnly, SameSite=Lax, Secure (only sent over HTTPS). */
  setCookie(value: string, nowUnix: number, path: string): string {
    const expires = new Date((nowUnix + DEVICE_LIFETIME_SECONDS) * 1000).toUTCString();
    return `${DEVICE_COOKIE_NAME}=${value}; expires=${expires}; Max-Age=${DEVICE_LIFETIME_SECONDS}; path=${path}; secure; HttpOnly; SameSite=Lax`;
  }
}

/**
 * Device cookies signed with the site's key in `file`. A missing key is made at once but saved only when the first
 * device is remembered, so a site that never sees an HTTPS login gets no file. When the file cannot be written,
 * the key lasts as long as the process: devices are then forgotten at a restart.
 */
export async function deviceCookiesFor(file: string): Promise<DeviceCookies> {
  const stored = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (/^[0-9a-f]{64}$/.test(stored)) return new DeviceCookies(stored);
  const key = randomBytes(32).toString("hex");
  // biome-ignore lint/correctness/noUnusedVariables: read by `??=`, so the key is written once
  let saving: Promise<void> | null = null;
  return new DeviceCookies(key, () => {
    saving ??= writeFileAtomic(file, `${key}\n`, 0o600).catch(() => undefined);
  });
}
