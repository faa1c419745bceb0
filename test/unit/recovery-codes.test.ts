import { describe, expect, it } from "vitest";
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
} from "../../src/accounts/recovery-codes.js";
import { otpauthUri, totpIssuer } from "../../src/auth/totp-enrolment.js";

describe("recovery codes", () => {
  it("are ten distinct 80-bit codes in groups of four", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
  });

  it("match as typed: any case, with spaces or dashes, and nothing else", () => {
    const [code] = generateRecoveryCodes(1) as [string];
    const hashes = ["not-a-hash", hashRecoveryCode("aaaa-bbbb-cccc-dddd"), hashRecoveryCode(code)];
    expect(matchRecoveryCode(hashes, code)).toBe(2);
    expect(matchRecoveryCode(hashes, code.toUpperCase().replace(/-/g, " "))).toBe(2);
    expect(matchRecoveryCode(hashes, ` ${code.replace(/-/g, "")} `)).toBe(2);
    expect(matchRecoveryCode(hashes, "123456")).toBe(-1);
    expect(matchRecoveryCode(hashes, `${code}x`)).toBe(-1);
    expect(matchRecoveryCode(hashes, "a".repeat(10_000))).toBe(-1);
    expect(normaliseRecoveryCode("aaaa-bbbb-cccc-ddd1")).toBeNull();
  });

  it("are stored as SHA-256 of the canonical form", () => {
    expect(hashRecoveryCode("AAAA BBBB-cccc-dddd")).toBe(hashRecoveryCode("aaaabbbbccccdddd"));
    expect(hashRecoveryCode("aaaabbbbccccdddd")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("otpauth URI", () => {
  it("names issuer and account, escaped, with the verified parameters", () => {
    expect(otpauthUri("My Site", "a+b@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe(
      "otpauth://totp/My%20Site:a%2Bb%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=My%20Site&algorithm=SHA1&digits=6&period=30",
    );
    expect(totpIssuer("  ", "example.com")).toBe("example.com");
    expect(totpIssuer("a:b", "x")).toBe("a b");
  });
});
