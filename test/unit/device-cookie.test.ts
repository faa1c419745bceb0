import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEVICE_LIFETIME_SECONDS, DeviceCookies, deviceCookiesFor } from "../../src/auth/device-cookie.js";

const NOW = 1_700_000_000;

describe("DeviceCookies", () => {
  const devices = new DeviceCookies("a".repeat(64));

  it("vouches for the user it was issued to, until its lifetime ends", () => {
    const value = devices.issue("admin001", NOW);
    expect(devices.verify(value, NOW + 10)).toEqual({ userId: "admin001", issuedAtUnix: NOW });
    expect(devices.verify(value, NOW + DEVICE_LIFETIME_SECONDS + 1)).toBeNull();
    expect(devices.verify(devices.issue("admin001", NOW + 3600), NOW)).toBeNull();
  });

  it("refuses forged, re-targeted, foreign-key, malformed and over-long values", () => {
    const value = devices.issue("admin001", NOW);
    const [, issued, mac] = value.split(".");
    expect(devices.verify(`${Buffer.from("editor01").toString("base64url")}.${issued}.${mac}`, NOW)).toBeNull();
    expect(new DeviceCookies("b".repeat(64)).verify(value, NOW)).toBeNull();
    expect(devices.verify(`${value}x`, NOW)).toBeNull();
    expect(devices.verify("a.b", NOW)).toBeNull();
    expect(devices.verify(undefined, NOW)).toBeNull();
    expect(devices.verify("x".repeat(10_000), NOW)).toBeNull();
  });

  it("keeps the site's key in a file, written when the first device is remembered", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sheaf-device-"));
    try {
      const file = path.join(dir, ".device-key");
      const first = await deviceCookiesFor(file);
      expect(await readFile(file, "utf8").catch(() => null)).toBeNull();
      const value = first.issue("admin001", NOW);
      await until(async () => (await readFile(file, "utf8").catch(() => "")) !== "");
      // after a restart the same key still vouches for the device
      const second = await deviceCookiesFor(file);
      expect(second.verify(value, NOW)).toEqual({ userId: "admin001", issuedAtUnix: NOW });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
