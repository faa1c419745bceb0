import { describe, expect, it } from "vitest";
import { BoundedMemo } from "../../src/cache/bounded-memo.js";
import {
  MAX_COOKIE_VALUE_LENGTH,
  signCookieValue,
  verifiedCookieMemo,
  verifyCookieValue,
} from "../../src/session/cookie.js";

describe("BoundedMemo", () => {
  it("holds no more entries or characters than its limits, oldest out first", () => {
    const memo = new BoundedMemo<number>({ maxEntries: 3, maxChars: 1000 }, () => 0);
    for (let i = 0; i < 5; i++) memo.set(`k${i}`, i, 10, 100);
    expect(memo.size).toBe(3);
    expect(memo.get("k0")).toBeUndefined();
    expect(memo.get("k4")).toBe(4);
    const bytes = new BoundedMemo<number>({ maxEntries: 1000, maxChars: 100 }, () => 0);
    for (let i = 0; i < 50; i++) bytes.set(`key${i}`, i, 20, 100);
    expect(bytes.heldChars).toBeLessThanOrEqual(100);
    bytes.set("huge", 1, 1000, 100);
    expect(bytes.get("huge")).toBeUndefined();
  });

  it("evicts the least recently used entry, not the oldest one read since", () => {
    const memo = new BoundedMemo<number>({ maxEntries: 2, maxChars: 1000 });
    memo.set("a", 1, 1);
    memo.set("b", 2, 1);
    expect(memo.get("a")).toBe(1);
    memo.set("c", 3, 1);
    expect([memo.peek("a"), memo.peek("b"), memo.peek("c")]).toEqual([1, undefined, 3]);
  });

  it("keeps no single entry over maxEntryChars", () => {
    const memo = new BoundedMemo<string>({ maxEntries: 10, maxChars: 1000, maxEntryChars: 10 });
    memo.set("k", "small", 5);
    memo.set("big", "x".repeat(50), 50);
    expect([memo.peek("k"), memo.peek("big")]).toEqual(["small", undefined]);
  });

  it("forgets entries once they expire", () => {
    let now = 0;
    const memo = new BoundedMemo<string>({ maxEntries: 10, maxChars: 1000 }, () => now);
    memo.set("a", "x", 1, 5);
    expect(memo.get("a")).toBe("x");
    now = 6;
    expect(memo.get("a")).toBeUndefined();
    expect(memo.size).toBe(0);
    expect(memo.heldChars).toBe(0);
  });
});

describe("signed cookie memo", () => {
  it("refuses a validly signed cookie over 512 characters without remembering it", () => {
    const before = verifiedCookieMemo.size;
    const long = signCookieValue("v".repeat(14 * 1024), "KirbyHttpCookieKey");
    expect(verifyCookieValue(long, "KirbyHttpCookieKey")).toBeNull();
    expect(verifiedCookieMemo.size).toBe(before);
    const fits = signCookieValue("v".repeat(MAX_COOKIE_VALUE_LENGTH - 41), "KirbyHttpCookieKey");
    expect(fits.length).toBe(MAX_COOKIE_VALUE_LENGTH);
    expect(verifyCookieValue(fits, "KirbyHttpCookieKey")).toBe("v".repeat(MAX_COOKIE_VALUE_LENGTH - 41));
  });

  it("12,000 validly signed cookies pin no more than the memo's bounds", () => {
    for (let i = 0; i < 12_000; i++) {
      const signed = signCookieValue(`${i}`.padEnd(MAX_COOKIE_VALUE_LENGTH - 41, "x"), "KirbyHttpCookieKey");
      expect(verifyCookieValue(signed, "KirbyHttpCookieKey")).not.toBeNull();
    }
    expect(verifiedCookieMemo.size).toBeLessThanOrEqual(verifiedCookieMemo.maxEntries);
    expect(verifiedCookieMemo.heldChars).toBeLessThanOrEqual(verifiedCookieMemo.maxChars);
  });
});
