import { describe, expect, it } from "vitest";
import {
  decodeBase32,
  encodeBase32,
  generateTotpSecret,
  totpCode,
  verifyTotp,
} from "../../src/auth/challenges/totp.js";
import { InvalidArgumentError } from "../../src/errors.js";

/** RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" is 20 bytes, i.e. 32 base32 characters. */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("base32", () => {
  it("decodes the RFC 6238 seed", () => {
    expect(decodeBase32(RFC_SECRET)?.toString("ascii")).toBe("12345678901234567890");
    expect(decodeBase32(RFC_SECRET.toLowerCase())?.toString("ascii")).toBe("12345678901234567890");
  });

  it("follows the RFC 4648 test vectors", () => {
    const vectors: Array<[string, string]> = [
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase32(Buffer.from(plain))).toBe(encoded);
      expect(decodeBase32(encoded)?.toString()).toBe(plain);
      expect(decodeBase32(`${encoded}======`)?.toString()).toBe(plain);
    }
  });

  it("refuses characters outside the alphabet", () => {
    expect(decodeBase32("MZXW1")).toBeNull();
    expect(decodeBase32("MZ XW")).toBeNull();
  });
});

describe("totpCode (RFC 6238, SHA-1, last 6 of the 8 digits of appendix B)", () => {
  const vectors: Array<[number, string]> = [
    [59, "287082"],
    [1111111109, "081804"],
    [1111111111, "050471"],
    [1234567890, "005924"],
    [2000000000, "279037"],
    [20000000000, "353130"],
  ];
  it.each(vectors)("at %i is %s", (time, code) => {
    expect(totpCode(RFC_SECRET, time)).toBe(code);
  });

  it("shifts by whole 30-second steps", () => {
    expect(totpCode(RFC_SECRET, 89, -1)).toBe("287082");
    expect(totpCode(RFC_SECRET, 0, 1)).toBe("287082");
  });
});

describe("verifyTotp", () => {
  const now = 1111111111;

  it("accepts the previous, current and next step and nothing further", () => {
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now), now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30), now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30), now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 60), now)).toBe(false);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 60), now)).toBe(false);
  });

  it("ignores everything but digits (docs/kirby-compat/auth-and-sessions.md)", () => {
    expect(verifyTotp(RFC_SECRET, "050 471", now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, " 05-04-71\n", now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, "0504710", now)).toBe(false);
    expect(verifyTotp(RFC_SECRET, "50471", now)).toBe(false);
    expect(verifyTotp(RFC_SECRET, "", now)).toBe(false);
  });

  it("refuses a secret that is not 32 base32 characters", () => {
    expect(() => verifyTotp("GEZDGNBVGY3TQOJQ", "050471", now)).toThrow(InvalidArgumentError);
    expect(() => verifyTotp(`${RFC_SECRET.slice(0, 31)}1`, "050471", now)).toThrow(InvalidArgumentError);
  });
});

describe("generateTotpSecret", () => {
  it("makes 32 base32 characters of 20 random bytes", () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe("TotpReplayGuard", () => {
  it("accepts each step once per user, later steps again, and stays bounded", async () => {
    const { TotpReplayGuard } = await import("../../src/auth/challenges/totp.js");
    const guard = new TotpReplayGuard(100);
    const now = 1_700_000_000;
    const step = Math.floor(now / 30);
    expect(guard.accept("editor01", step, now)).toBe(true);
    expect(guard.accept("editor01", step, now)).toBe(false);
    expect(guard.accept("editor01", step - 1, now)).toBe(false);
    expect(guard.accept("admin001", step, now)).toBe(true);
    expect(guard.accept("editor01", step + 1, now + 30)).toBe(true);
    for (let i = 0; i < 1000; i++) guard.accept(`user${i}`, step, now);
    expect(guard.size).toBeLessThanOrEqual(100);
  });
});
