import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/accounts/passwords.js";
import path from "node:path";
import { FIXTURE_DIR } from "../paths.js";

const ACCOUNTS = path.join(FIXTURE_DIR, "site/accounts");

async function fixtureHash(id: string): Promise<string> {
  return (await readFile(`${ACCOUNTS}/${id}/.htpasswd`, "utf8")).split("\n")[0] ?? "";
}

describe("verifyPassword", () => {
  it("accepts the admin's password against PHP's $2y$ hash", async () => {
    expect(await verifyPassword("AdminPass123!", await fixtureHash("admin001"))).toBe(true);
  });

  it("refuses a wrong password", async () => {
    const hash = await fixtureHash("admin001");
    expect(await verifyPassword("AdminPass123", hash)).toBe(false);
    expect(await verifyPassword("adminpass123!", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("accepts the $2a$ and $2b$ spellings of the same hash", async () => {
    const hash = await fixtureHash("admin001");
    expect(await verifyPassword("AdminPass123!", hash.replace("$2y$", "$2a$"))).toBe(true);
    expect(await verifyPassword("AdminPass123!", hash.replace("$2y$", "$2b$"))).toBe(true);
  });

  it("returns false for malformed hashes instead of throwing", async () => {
    for (const hash of [
      "",
      "plain",
      "$2y$10$short",
      "$1$abc$def",
      "$2x$10$jXngPkHn/M1W7vdBvP7YNOYYufAeVafueovz8.OxFJpbDfXbJx3u.",
    ]) {
      await expect(verifyPassword("AdminPass123!", hash)).resolves.toBe(false);
    }
  });
});

describe("hashPassword", () => {
  it("writes PHP's $2y$10$ format and verifies", async () => {
    const hash = await hashPassword("Secret-pass 42");
    expect(hash).toMatch(/^\$2y\$10\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword("Secret-pass 42", hash)).toBe(true);
    expect(await verifyPassword("Secret-pass 43", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
  });
});
