import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  formatDeletionCookie,
  formatSetCookie,
  formatToken,
  generateToken,
  parseToken,
  readCookie,
  signCookieValue,
  storeKeyOf,
  verifyCookieValue,
} from "../../src/session/index.js";

const DEFAULT_KEY = "KirbyHttpCookieKey";
const ID = "924ea18956cb30bec2c1";
const KEY = "62d27ba9a7dc55632b96d59b60fb04b81fc8a135bc8ab19f9717b556a77724e6";
const TOKEN_TEXT = `1795806935.${ID}.${KEY}`;

function hmacSha1(value: string, key = DEFAULT_KEY): string {
  return createHmac("sha1", key).update(value).digest("hex");
}

describe("session tokens", () => {
  it("parses the token format <expiry>.<id>.<key> of docs/kirby-compat/auth-and-sessions.md", () => {
    expect(parseToken(TOKEN_TEXT)).toEqual({ expiresAtUnix: 1795806935, id: ID, key: KEY });
  });

  it("formats what it parses back to the identical text", () => {
    const token = parseToken(TOKEN_TEXT);
    expect(token).not.toBeNull();
    expect(formatToken(token!)).toBe(TOKEN_TEXT);
  });

  it("generates 20 hex id characters and 64 hex key characters that round-trip", () => {
    const token = generateToken(1_800_000_000);
    expect(token.expiresAtUnix).toBe(1_800_000_000);
    expect(token.id).toMatch(/^[0-9a-f]{20}$/);
    expect(token.key).toMatch(/^[0-9a-f]{64}$/);
    expect(parseToken(formatToken(token))).toEqual(token);
    expect(generateToken(1).key).not.toBe(generateToken(1).key);
  });

  it.each([
    ["a non-canonical expiry with a leading zero", `0${TOKEN_TEXT}`],
    ["an expiry with a sign", `+${TOKEN_TEXT}`],
    ["a non-numeric expiry", `17958069x5.${ID}.${KEY}`],
    ["upper-case hex in the key", `1795806935.${ID}.${KEY.toUpperCase()}`],
    ["upper-case hex in the id", `1795806935.${ID.toUpperCase()}.${KEY}`],
    ["a short id", `1795806935.${ID.slice(1)}.${KEY}`],
    ["a short key", `1795806935.${ID}.${KEY.slice(1)}`],
    ["a fourth part", `${TOKEN_TEXT}.00`],
    ["only two parts", `1795806935.${ID}`],
    ["surrounding whitespace", ` ${TOKEN_TEXT}`],
    ["the empty string", ""],
  ])("rejects %s", (_label, text) => {
    expect(parseToken(text)).toBeNull();
  });

  it("stores a session under <expiry>.<id>, without the secret key", () => {
    const token = parseToken(TOKEN_TEXT)!;
    expect(storeKeyOf(token)).toBe(`1795806935.${ID}`);
    expect(storeKeyOf(token)).not.toContain(KEY);
  });
});

describe("signed cookie value (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("signs with hex HMAC-SHA1 under the default key KirbyHttpCookieKey", () => {
    expect(hmacSha1("bar")).toBe("171fb1229817374e4110110384cb6be060d97351");
    expect(signCookieValue("bar", DEFAULT_KEY)).toBe("171fb1229817374e4110110384cb6be060d97351+bar");
  });

  it("signs with a configured cookie.key instead", () => {
    expect(signCookieValue("bar", "other-key")).toBe(`${hmacSha1("bar", "other-key")}+bar`);
    expect(signCookieValue("bar", "other-key")).not.toBe(signCookieValue("bar", DEFAULT_KEY));
  });

  it("returns the value of <hmac>+bar", () => {
    expect(verifyCookieValue("171fb1229817374e4110110384cb6be060d97351+bar", DEFAULT_KEY)).toBe("bar");
  });

  it("returns an empty value for <hmac>+", () => {
    expect(verifyCookieValue(`${hmacSha1("")}+`, DEFAULT_KEY)).toBe("");
  });

  it("splits at the first + so the value may contain + itself", () => {
    expect(verifyCookieValue(`${hmacSha1("bar+baz")}+bar+baz`, DEFAULT_KEY)).toBe("bar+baz");
  });

  it.each([
    ["no + at all", "171fb1229817374e4110110384cb6be060d97351bar"],
    ["the bare value", "bar"],
    ["an empty hash", "+bar"],
    ["a wrong hash", "0000000000000000000000000000000000000000+bar"],
    ["a hash of another value", `${hmacSha1("baz")}+bar`],
    ["a truncated hash", "171fb1229817374e4110110384cb6be060d9735+bar"],
    ["the empty string", ""],
  ])("ignores a value with %s", (_label, value) => {
    expect(verifyCookieValue(value, DEFAULT_KEY)).toBeNull();
  });

  it("ignores a value signed with another key", () => {
    expect(verifyCookieValue(signCookieValue("bar", "other-key"), DEFAULT_KEY)).toBeNull();
  });

  it("round-trips a session token", () => {
    expect(verifyCookieValue(signCookieValue(TOKEN_TEXT, DEFAULT_KEY), DEFAULT_KEY)).toBe(TOKEN_TEXT);
  });
});

describe("Set-Cookie header (docs/kirby-compat/auth-and-sessions.md)", () => {
  const value = signCookieValue(TOKEN_TEXT, DEFAULT_KEY);
  const base = {
    name: "kirby_session",
    value,
    expiresAtUnix: 1_700_007_200,
    nowUnix: 1_700_000_000,
    path: "/",
    domain: null,
    secure: false,
  };

  it("has Kirby's attributes, order and case, with + sent as %2B", () => {
    expect(formatSetCookie(base)).toBe(
      `kirby_session=${hmacSha1(TOKEN_TEXT)}%2B${TOKEN_TEXT}; expires=Wed, 15 Nov 2023 00:13:20 GMT; Max-Age=7200; ` +
        "path=/; HttpOnly; SameSite=Lax",
    );
  });

  it("adds secure (before HttpOnly) for HTTPS", () => {
    expect(formatSetCookie({ ...base, secure: true })).toMatch(
      /; Max-Age=7200; path=\/; secure; HttpOnly; SameSite=Lax$/,
    );
  });

  it("computes Max-Age from the absolute expiry (a long session lasts 1209600 s)", () => {
    const header = formatSetCookie({ ...base, expiresAtUnix: base.nowUnix + 1_209_600 });
    expect(header).toContain("; Max-Age=1209600; ");
    expect(header).toContain("; expires=Tue, 28 Nov 2023 22:13:20 GMT; ");
  });

  it("puts a cookie domain after the path and honours a sub-folder path", () => {
    expect(formatSetCookie({ ...base, path: "/", domain: "example.com" })).toContain(
      "; path=/; domain=example.com; HttpOnly",
    );
    expect(formatSetCookie({ ...base, path: "/sub/" })).toContain("; path=/sub/; HttpOnly");
  });

  it("omits expires and Max-Age for a browser-session cookie", () => {
    expect(formatSetCookie({ ...base, expiresAtUnix: null })).toBe(
      `kirby_session=${encodeURIComponent(value)}; path=/; HttpOnly; SameSite=Lax`,
    );
  });

  it("removes the cookie with an expiry in the past", () => {
    expect(formatDeletionCookie("kirby_session", "/", null, false)).toBe(
      "kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly; SameSite=Lax",
    );
    expect(formatDeletionCookie("kirby_session", "/", "example.com", true)).toContain(
      "; path=/; domain=example.com; secure; HttpOnly",
    );
  });
});

describe("readCookie", () => {
  it("finds one cookie among others and decodes %2B", () => {
    expect(readCookie("a=1; kirby_session=abc%2Bdef; b=2", "kirby_session")).toBe("abc+def");
  });

  it("accepts a literal + as well", () => {
    expect(readCookie("kirby_session=abc+def", "kirby_session")).toBe("abc+def");
  });

  it("does not match a cookie whose name only contains the wanted name", () => {
    expect(readCookie("my_kirby_session=x; kirby_session_old=y", "kirby_session")).toBeUndefined();
  });

  it("returns the raw text when it is not valid percent-encoding", () => {
    expect(readCookie("kirby_session=abc%ZZ", "kirby_session")).toBe("abc%ZZ");
  });

  it("returns undefined without a header or without the cookie", () => {
    expect(readCookie(undefined, "kirby_session")).toBeUndefined();
    expect(readCookie("", "kirby_session")).toBeUndefined();
    expect(readCookie("other=1", "kirby_session")).toBeUndefined();
  });
});
