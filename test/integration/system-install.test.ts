/**
 * `POST /api/system/install` (docs/kirby-compat/auth-and-sessions.md): the first user of a site that has none becomes an admin and is
 * logged in; an installed site refuses; the route checks CSRF like the login route.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parsePhpArrayFile } from "../../src/accounts/php-array.js";
import { cleanUp, copySite, dataOf, startSite } from "./helpers.js";

afterEach(cleanUp);

async function siteWithoutUsers() {
  const root = await copySite();
  await rm(path.join(root, "site", "accounts"), { recursive: true, force: true });
  return startSite({ root, config: {} });
}

describe("POST /api/system/install", () => {
  it("creates the first user as an admin in Kirby's account format and logs them in", async () => {
    const site = await siteWithoutUsers();
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/system/install", {
      withCsrf: true,
      json: { email: "First@Example.com", password: "first-password", name: " <b>First</b> " },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: "ok",
      token: true,
      user: { email: "first@example.com", name: "First" },
    });
    expect(reply.setCookies.length).toBeGreaterThan(0);

    const [id] = await readdir(path.join(site.root, "site", "accounts"));
    const account = parsePhpArrayFile(
      await readFile(path.join(site.root, "site", "accounts", id as string, "index.php"), "utf8"),
    );
    expect(account).toEqual({ email: "first@example.com", language: "en", name: "First", role: "admin" });

    const me = await client.get("/api/auth");
    expect(me.status).toBe(200);
    expect(dataOf(me)).toMatchObject({ email: "first@example.com", role: { name: "admin" } });
  });

  it("refuses a second installation", async () => {
    const site = await startSite();
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/system/install", {
      withCsrf: true,
      json: { email: "intruder@example.com", password: "intruder-password" },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      status: "error",
      message: "The Panel is already installed",
      code: 403,
      key: "error.permission",
      details: [],
    });
  });

  it("needs the CSRF token and a valid password, and writes nothing otherwise", async () => {
    const site = await siteWithoutUsers();
    const client = site.client();
    const noToken = await client.request("POST", "/api/system/install", {
      json: { email: "a@example.com", password: "long-enough-1" },
    });
    expect(noToken.status).toBe(400);
    expect(noToken.body).toMatchObject({ message: "Invalid CSRF token", key: "error.invalidArgument" });
    await client.fetchCsrf();
    const short = await client.request("POST", "/api/system/install", {
      withCsrf: true,
      json: { email: "a@example.com", password: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ key: "error.user.password.invalid" });
    expect(await readdir(path.join(site.root, "site", "accounts")).catch(() => [])).toEqual([]);
  });
});
