import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseHtpasswd, serializeHtpasswd } from "../../src/accounts/htpasswd.js";
import { InvalidArgumentError } from "../../src/errors.js";
import path from "node:path";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_HTPASSWD = path.join(FIXTURE_DIR, "site/accounts/admin001/.htpasswd");
const HASH = "$2y$10$jXngPkHn/M1W7vdBvP7YNOYYufAeVafueovz8.OxFJpbDfXbJx3u.";

describe("parseHtpasswd", () => {
  it("reads the fixture file: a hash and no secrets", async () => {
    const text = await readFile(FIXTURE_HTPASSWD, "utf8");
    expect(parseHtpasswd(text)).toEqual({ hash: HASH, secrets: {} });
  });

  it("reads secrets from line 2", () => {
    const parsed = parseHtpasswd(`${HASH}\n{"totp":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}`);
    expect(parsed).toEqual({ hash: HASH, secrets: { totp: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" } });
  });

  it("treats an empty line 1 as no password", () => {
    expect(parseHtpasswd("")).toEqual({ hash: null, secrets: {} });
    expect(parseHtpasswd('\n{"totp":"ABC"}')).toEqual({ hash: null, secrets: { totp: "ABC" } });
  });

  it("tolerates a trailing newline and CRLF line ends", () => {
    expect(parseHtpasswd(`${HASH}\n`)).toEqual({ hash: HASH, secrets: {} });
    expect(parseHtpasswd(`${HASH}\r\n{"totp":"ABC"}\r\n`)).toEqual({ hash: HASH, secrets: { totp: "ABC" } });
  });

  it("throws `JSON string is invalid` for a line 2 that is not a JSON object", () => {
    for (const line of ["{not json", '"text"', "42", "null"]) {
      expect(() => parseHtpasswd(`${HASH}\n${line}`)).toThrow(InvalidArgumentError);
      expect(() => parseHtpasswd(`${HASH}\n${line}`)).toThrow("JSON string is invalid");
    }
  });
});

describe("serializeHtpasswd", () => {
  it("writes only the hash, without a trailing newline, when there are no secrets", async () => {
    const expected = await readFile(FIXTURE_HTPASSWD, "utf8");
    expect(serializeHtpasswd({ hash: HASH, secrets: {} })).toBe(expected);
  });

  it("writes secrets as a JSON line 2", () => {
    expect(serializeHtpasswd({ hash: HASH, secrets: { totp: "ABC" } })).toBe(`${HASH}\n{"totp":"ABC"}`);
  });

  it("writes an empty line 1 when only secrets are stored", () => {
    expect(serializeHtpasswd({ hash: null, secrets: { totp: "ABC" } })).toBe('\n{"totp":"ABC"}');
    expect(serializeHtpasswd({ hash: null, secrets: {} })).toBe("");
  });

  it("round-trips", () => {
    const file = { hash: HASH, secrets: { totp: "XYZ", other: "a/b" } };
    expect(parseHtpasswd(serializeHtpasswd(file))).toEqual(file);
  });
});
