import { describe, expect, it } from "vitest";
import {
  PENDING_TOTP_KEY,
  PENDING_TOTP_SECONDS,
  pendingTotpSecret,
  startTotpEnrolment,
} from "../../src/auth/totp-enrolment.js";

function memorySession() {
  const data = new Map<string, unknown>();
  return {
    data,
    get: (key: string) => data.get(key),
    set: (key: string, value: unknown) => void data.set(key, value),
    remove: (key: string) => void data.delete(key),
  };
}

describe("TOTP enrolment", () => {
  it("keeps the new secret pending in the session until it expires", async () => {
    const session = memorySession();
    const now = 1_800_000_000;
    const setup = await startTotpEnrolment(session, { issuer: "Site", email: "a@example.com", now });
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.expiresAt).toBe(new Date((now + PENDING_TOTP_SECONDS) * 1000).toISOString());
    expect(setup.qr).toMatch(/^<svg [^>]*>/);
    expect(setup.qr).not.toMatch(/<script|on\w+=/i);
    expect(pendingTotpSecret(session, now + 10)).toBe(setup.secret);
    expect(() => pendingTotpSecret(session, now + PENDING_TOTP_SECONDS + 1)).toThrow(/expired/);
    expect(session.data.has(PENDING_TOTP_KEY)).toBe(false);
  });

  it("refuses a missing or malformed pending value", () => {
    const session = memorySession();
    expect(() => pendingTotpSecret(session, 0)).toThrow(/No two-factor setup/);
    session.set(PENDING_TOTP_KEY, { secret: "short", expiresAt: 10 });
    expect(() => pendingTotpSecret(session, 0)).toThrow(/No two-factor setup/);
    session.set(PENDING_TOTP_KEY, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(() => pendingTotpSecret(session, 0)).toThrow(/No two-factor setup/);
  });
});
