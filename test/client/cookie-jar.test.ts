import { describe, expect, it } from "vitest";
import { CookieJar, parseSetCookie } from "../../src/client/cookie-jar.js";

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe("parseSetCookie", () => {
  it("reads name, raw value, path and Max-Age as Kirby sends them", () => {
    const cookie = parseSetCookie(
      "kirby_session=abc%2B123.x; expires=Fri, 27 Nov 2026 14:00:00 GMT; Max-Age=7200; path=/; HttpOnly; SameSite=Lax",
      NOW,
    );
    expect(cookie).toEqual({ name: "kirby_session", value: "abc%2B123.x", path: "/", expiresAt: NOW + 7_200_000 });
  });

  it("prefers Max-Age over Expires and falls back to Expires", () => {
    expect(parseSetCookie("a=1; Expires=Fri, 27 Nov 2026 13:00:00 GMT; Max-Age=60", NOW)?.expiresAt).toBe(NOW + 60_000);
    expect(parseSetCookie("a=1; Expires=Fri, 27 Nov 2026 13:00:00 GMT", NOW)?.expiresAt).toBe(NOW + 3_600_000);
    expect(parseSetCookie("a=1; HttpOnly", NOW)?.expiresAt).toBeNull();
  });

  it("rejects a header without a name", () => {
    expect(parseSetCookie("=value; path=/", NOW)).toBeNull();
    expect(parseSetCookie("garbage", NOW)).toBeNull();
  });
});

describe("CookieJar", () => {
  it("keeps the last of several headers for the same cookie", () => {
    const jar = new CookieJar();
    jar.store(["kirby_session=first; Max-Age=7200; path=/", "kirby_session=second; Max-Age=7200; path=/"], NOW);
    expect(jar.header("/api/auth", NOW)).toBe("kirby_session=second");
    expect(jar.get("kirby_session", NOW)).toBe("second");
  });

  it("removes a cookie the server expires (Kirby's deletion cookie)", () => {
    const jar = new CookieJar();
    jar.store(["kirby_session=live; Max-Age=7200; path=/", "other=1; path=/"], NOW);
    jar.store(["kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly"], NOW);
    expect(jar.header("/api/site", NOW)).toBe("other=1");
    expect(jar.get("kirby_session", NOW)).toBeUndefined();
  });

  it("stops sending a cookie once its lifetime has passed", () => {
    const jar = new CookieJar();
    jar.store(["a=1; Max-Age=10; path=/"], NOW);
    expect(jar.header("/", NOW + 9_000)).toBe("a=1");
    expect(jar.header("/", NOW + 10_000)).toBeNull();
  });

  it("sends a cookie only under its path", () => {
    const jar = new CookieJar();
    jar.store(["root=r; path=/", "api=a; path=/api"], NOW);
    expect(jar.header("/api/pages/notes", NOW)).toBe("root=r; api=a");
    expect(jar.header("/api", NOW)).toBe("root=r; api=a");
    expect(jar.header("/apix/site", NOW)).toBe("root=r");
    expect(jar.header("/panel", NOW)).toBe("root=r");
  });

  it("forgets everything on clear", () => {
    const jar = new CookieJar();
    jar.store(["a=1; path=/"], NOW);
    jar.clear();
    expect(jar.header("/", NOW)).toBeNull();
  });
});
