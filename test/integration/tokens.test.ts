/**
 * Application passwords (`sheaf_<id>_<secret>`) through HTTP: created once through the API, used as the Basic
 * password or as a Bearer token, bounded by their scope and, on every request, by what the owner may do now.
 */
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  INVALID_LOGIN,
  itemsOf,
  send,
  startSite,
  UNAUTHENTICATED,
  type Account,
  type Client,
  type Reply,
  type StartSiteOptions,
  type TestSite,
  basicAuth,
  injectFrom,
  bearer,
  createToken,
  until,
} from "./helpers.js";

afterEach(async () => {
  vi.useRealTimers();
  await cleanUp();
});

const TOKEN_FORMAT = /^sheaf_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const INSECURE_OK = { api: { basicAuth: true, allowInsecure: true } };

async function loggedIn(site: TestSite, account: Pick<Account, "email" | "password">): Promise<Client> {
  return site.client().loginOrThrow(account);
}

async function start(
  config: Record<string, unknown> = INSECURE_OK,
  extra: Partial<StartSiteOptions> = {},
): Promise<TestSite> {
  const site = await startSite({ memorySessions: true, config, ...extra });
  return site;
}

function noteFile(site: TestSite): string {
  return path.join(site.root, "content", "1_notes", "1_first-note", "note.txt");
}

describe("creating an application password", () => {
  it("shows the token once, in the creation answer only; the store keeps a hash, never the secret", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { id, token, reply } = await createToken(admin, { name: "deploy script", scope: "full" });

    const data = dataOf(reply);
    const match = TOKEN_FORMAT.exec(token);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(id);
    expect(data).toMatchObject({
      id,
      name: "deploy script",
      scope: "full",
      expiresAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
      userId: ADMIN.id,
    });
    expect(data).not.toHaveProperty("secretHash");

    const listed = await admin.get("/api/account/tokens");
    expect(listed.status).toBe(200);
    expect(itemsOf(listed)).toEqual([
      expect.objectContaining({ id, name: "deploy script", scope: "full", userId: ADMIN.id }),
    ]);
    expect(listed.text).not.toContain(match![2]);
    expect(itemsOf(listed)[0]).not.toHaveProperty("token");
    expect(itemsOf(listed)[0]).not.toHaveProperty("secretHash");

    const file = path.join(site.root, "site", "accounts", ".tokens.json");
    const stored = await readFile(file, "utf8");
    expect(stored).toContain(id);
    expect(stored).not.toContain(match![2]);
    expect(stored).not.toContain(token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("defaults to a read-only scope and refuses bad names, scopes and expiries", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { reply } = await createToken(admin, { name: "reader" });
    expect(dataOf(reply)["scope"]).toBe("read");

    for (const body of [
      {},
      { name: "   " },
      { name: "x".repeat(101) },
      { name: "bad scope", scope: "everything" },
      { name: "bad map", scope: { pages: { update: "yes" } } },
      // prototype names and unknown permissions: a scope names only declared categories and actions
      { name: "proto category", scope: JSON.parse('{"__proto__": {"update": true}}') as unknown },
      { name: "constructor category", scope: { constructor: { update: true } } },
      { name: "unknown action", scope: { pages: { toString: true } } },
      { name: "unknown category", scope: { everything: { update: true } } },
      { name: "past", expiresIn: -5 },
      { name: "past date", expiresAt: "2001-01-01T00:00:00Z" },
    ]) {
      const refused = await admin.request("POST", "/api/account/tokens", { withCsrf: true, json: body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect(itemsOf(await admin.get("/api/account/tokens"))).toHaveLength(1);
  });

  it("lets an admin create one for another user, but a non-admin only for themselves", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const forEditor = await createToken(
      admin,
      { name: "for the editor", scope: "full" },
      `/api/users/${EDITOR.id}/tokens`,
    );
    expect(dataOf(forEditor.reply)["userId"]).toBe(EDITOR.id);
    const asEditor = await send(site.sheaf, "GET", "/api/auth", { headers: bearer(forEditor.token) });
    expect(asEditor.status).toBe(200);
    expect(dataOf(asEditor)["id"]).toBe(EDITOR.id);

    const editor = await loggedIn(site, EDITOR);
    const refused = await editor.request("POST", `/api/users/${ADMIN.id}/tokens`, {
      withCsrf: true,
      json: { name: "steal", scope: "full" },
    });
    expect([403, 404]).toContain(refused.status);
    expect(itemsOf(await admin.get("/api/account/tokens"))).toEqual([]);
  });

  it("answers 404 on the token routes and ignores Bearer tokens when api.tokens is false", async () => {
    const site = await start({ api: { basicAuth: true, allowInsecure: true, tokens: true } });
    const admin = await loggedIn(site, ADMIN);
    const { token } = await createToken(admin, { name: "before", scope: "full" });
    await site.close();

    const off = await startSite({
      root: site.root,
      memorySessions: true,
      config: { api: { basicAuth: true, allowInsecure: true, tokens: false } },
    });
    const client = await loggedIn(off, ADMIN);
    expect((await client.get("/api/account/tokens")).status).toBe(404);
    expect((await send(off.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
    expect(
      (await send(off.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(ADMIN.email, token) } })).body,
    ).toEqual(INVALID_LOGIN);
  });
});

describe("using an application password", () => {
  it("works as the Basic password with the owner's e-mail and as a Bearer token, with no CSRF and no session", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token } = await createToken(admin, { name: "script", scope: "full" });

    for (const [scheme, headers] of [
      ["Basic", { authorization: basicAuth(ADMIN.email, token) }],
      ["Bearer", bearer(token)],
    ] as const) {
      const read = await send(site.sheaf, "GET", "/api/pages/notes?select=id", { headers });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ code: 200, data: { id: "notes" }, status: "ok", type: "model" });
      expect(read.setCookies).toEqual([]);
      expect(read.headers["cache-control"]).toBe("no-store, private");

      const write = await send(site.sheaf, "PATCH", "/api/pages/notes", { headers, json: { intro: `via ${scheme}` } });
      expect(write.status).toBe(200);
    }
    expect(await readFile(path.join(site.root, "content", "1_notes", "notes.txt"), "utf8")).toContain(
      "Intro: via Bearer",
    );
    // only the logged-in client's session exists: token requests open none
    expect(site.sessionStore!.size).toBe(1);
  });

  it("is refused with another user's e-mail, with a forged secret and when the id is unknown", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token, id } = await createToken(admin, { name: "script", scope: "full" });
    const forged = `sheaf_${id}_${"A".repeat(43)}`;
    const unknown = `sheaf_${"a".repeat(16)}_${token.slice(-43)}`;

    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(EDITOR.email, token) } })).body,
    ).toEqual(INVALID_LOGIN);
    for (const wrong of [forged, unknown]) {
      expect(
        (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(ADMIN.email, wrong) } }))
          .body,
      ).toEqual(INVALID_LOGIN);
      expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(wrong) })).body).toEqual(UNAUTHENTICATED);
    }
  });

  it("is refused over plain HTTP unless api.allowInsecure, like Basic auth", async () => {
    const creator = await start({ api: { basicAuth: true, allowInsecure: true } });
    const { token } = await createToken(await loggedIn(creator, ADMIN), { name: "script", scope: "full" });
    await creator.close();
    const root = creator.root;

    const plain = await startSite({ root, memorySessions: true, config: { api: { basicAuth: true } } });
    const overBasic = await send(plain.sheaf, "GET", "/api/auth", {
      headers: { authorization: basicAuth(ADMIN.email, token) },
    });
    expect(overBasic.status).toBe(403);
    expect((overBasic.body as { message: string }).message).toBe("Basic authentication is only allowed over HTTPS");
    const overBearer = await send(plain.sheaf, "GET", "/api/auth", { headers: bearer(token) });
    expect(overBearer.status).toBe(403);
    expect((overBearer.body as { message: string }).message).toBe("Bearer authentication is only allowed over HTTPS");
    await plain.close();

    for (const config of [
      { api: { basicAuth: true }, url: "https://cms.example.com" },
      { api: { basicAuth: true, allowInsecure: true } },
    ]) {
      const allowed = await startSite({ root, memorySessions: true, config });
      expect(
        (await send(allowed.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(ADMIN.email, token) } }))
          .status,
      ).toBe(200);
      expect((await send(allowed.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);
      await allowed.close();
    }
  });

  it("works for a user whose site requires 2FA, where Basic auth with the password is refused", async () => {
    const creator = await start();
    const { token } = await createToken(await loggedIn(creator, ADMIN), { name: "ci", scope: "read" });
    await creator.close();

    const twoFactor = await startSite({
      root: creator.root,
      memorySessions: true,
      config: { api: { basicAuth: true, allowInsecure: true }, auth: { methods: { password: { "2fa": true } } } },
    });
    const withPassword = await send(twoFactor.sheaf, "GET", "/api/auth", {
      headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
    });
    expect(withPassword.status).toBe(403);
    expect((withPassword.body as { message: string }).message).toBe("Basic authentication cannot be used with 2FA");

    const withToken = await send(twoFactor.sheaf, "GET", "/api/auth", {
      headers: { authorization: basicAuth(ADMIN.email, token) },
    });
    expect(withToken.status).toBe(200);
    expect(dataOf(withToken)["id"]).toBe(ADMIN.id);
    expect((await send(twoFactor.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);
  });

  it("records when and from which address it was last used", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token, id } = await createToken(admin, { name: "script", scope: "read" });
    const before = Math.floor(Date.now() / 1000) * 1000;

    expect((await injectFrom(site.sheaf, "203.0.113.7", "GET", "/api/auth", bearer(token))).status).toBe(200);
    const after = Date.now();
    const [listed] = itemsOf(await admin.get("/api/account/tokens"));
    expect(listed).toMatchObject({ id, lastUsedIp: "203.0.113.7" });
    const usedAt = Date.parse(listed!["lastUsedAt"] as string);
    expect(usedAt).toBeGreaterThanOrEqual(before);
    expect(usedAt).toBeLessThanOrEqual(after);

    expect(
      (
        await injectFrom(site.sheaf, "198.51.100.4", "GET", "/api/auth", {
          authorization: basicAuth(ADMIN.email, token),
        })
      ).status,
    ).toBe(200);
    expect(itemsOf(await admin.get("/api/account/tokens"))[0]).toMatchObject({ lastUsedIp: "198.51.100.4" });

    await until("the first use is written to disk", async () => {
      const stored = await readFile(path.join(site.root, "site", "accounts", ".tokens.json"), "utf8").catch(() => "{}");
      return (JSON.parse(stored) as Record<string, { lastUsedAt: number | null }>)[id]?.lastUsedAt !== null;
    });
  });
});

describe("ending an application password", () => {
  it("refuses a revoked token on the very next request", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token, id } = await createToken(admin, { name: "script", scope: "full" });
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);

    const revoked = await admin.request("DELETE", `/api/account/tokens/${id}`, { withCsrf: true });
    expect(revoked.status).toBe(200);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(ADMIN.email, token) } })).body,
    ).toEqual(INVALID_LOGIN);
    expect(itemsOf(await admin.get("/api/account/tokens"))).toEqual([]);
    expect((await admin.request("DELETE", `/api/account/tokens/${id}`, { withCsrf: true })).status).toBe(404);
  });

  it("refuses an expired token at once", async () => {
    // a clock a little ahead of the real one (the account files' times must lie in its past)
    const start0 = (Math.floor(Date.now() / 1000) + 10) * 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start0 + 250);
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token, reply } = await createToken(admin, { name: "short", scope: "read", expiresIn: 60 });
    expect(dataOf(reply)["expiresAt"]).toBe(new Date(start0 + 60_000).toISOString());

    vi.setSystemTime(start0 + 59_500);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);

    vi.setSystemTime(start0 + 60_000);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(ADMIN.email, token) } })).body,
    ).toEqual(INVALID_LOGIN);
  });

  it("stops working when its owner is deleted through the API", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const created = await admin.request("POST", "/api/users", {
      withCsrf: true,
      json: { email: "ann@example.com", password: "ann-password-1", role: "editor" },
    });
    expect(created.status).toBe(200);
    const annId = dataOf(created)["id"] as string;
    const ann = await loggedIn(site, { email: "ann@example.com", password: "ann-password-1" });
    const { token } = await createToken(ann, { name: "ann's script", scope: "full" });
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);

    expect((await admin.request("DELETE", `/api/users/${annId}`, { withCsrf: true })).status).toBe(200);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth("ann@example.com", token) } }))
        .body,
    ).toEqual(INVALID_LOGIN);
    const stored = JSON.parse(
      await readFile(path.join(site.root, "site", "accounts", ".tokens.json"), "utf8"),
    ) as Record<string, { userId: string }>;
    expect(Object.values(stored).filter((record) => record.userId === annId)).toEqual([]);
  });

  it("stops working when its owner's account folder is removed on disk", async () => {
    const site = await start(INSECURE_OK, { extra: { watch: true } });
    const { token } = await createToken(await loggedIn(site, EDITOR), { name: "script", scope: "full" });
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);

    await rm(path.join(site.root, "site", "accounts", EDITOR.id), { recursive: true, force: true });
    await until("the removed account is noticed", async () => site.sheaf.accounts.findUser(EDITOR.id) === undefined);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
  });
});

describe("what an application password may do", () => {
  it("read-only: reads, but cannot write anything", async () => {
    const site = await start();
    const { token } = await createToken(await loggedIn(site, ADMIN), { name: "reader", scope: "read" });
    const before = await readFile(noteFile(site), "utf8");

    expect(
      (await send(site.sheaf, "GET", "/api/pages/notes+first-note?select=id", { headers: bearer(token) })).status,
    ).toBe(200);
    const attempts: Array<[string, string, unknown]> = [
      ["PATCH", "/api/pages/notes+first-note", { text: "changed" }],
      ["PATCH", "/api/pages/notes+first-note/title", { title: "Changed" }],
      ["POST", "/api/pages/notes/children", { slug: "new-one", template: "note", content: { title: "New" } }],
      ["DELETE", "/api/pages/notes+first-note", undefined],
      ["PATCH", "/api/site", { title: "Changed" }],
    ];
    for (const [method, url, json] of attempts) {
      const reply = await send(site.sheaf, method, url, {
        headers: bearer(token),
        ...(json === undefined ? {} : { json }),
      });
      expect(reply.status, `${method} ${url}`).toBe(403);
    }
    expect(await readFile(noteFile(site), "utf8")).toBe(before);
  });

  it("read-only: cannot create, change or delete users", async () => {
    const site = await start();
    const { token } = await createToken(await loggedIn(site, ADMIN), { name: "reader", scope: "read" });
    const attempts: Array<[string, string, unknown]> = [
      ["POST", "/api/users", { email: "mallory@example.com", password: "mallory-password", role: "admin" }],
      ["PATCH", `/api/users/${EDITOR.id}/role`, { role: "admin" }],
      ["PATCH", `/api/users/${EDITOR.id}/email`, { email: "mallory@example.com" }],
      ["PATCH", `/api/users/${EDITOR.id}/name`, { name: "Mallory" }],
      ["DELETE", `/api/users/${EDITOR.id}`, undefined],
    ];
    const statuses: string[] = [];
    for (const [method, url, json] of attempts) {
      const reply = await send(site.sheaf, method, url, {
        headers: bearer(token),
        ...(json === undefined ? {} : { json }),
      });
      statuses.push(`${method} ${url} ${reply.status}`);
    }
    expect(statuses).toEqual(attempts.map(([method, url]) => `${method} ${url} 403`));
    expect(site.sheaf.accounts.findUser("mallory@example.com")).toBeUndefined();
    expect(site.sheaf.accounts.findUser(EDITOR.id)).toMatchObject({
      role: "editor",
      email: EDITOR.email,
      name: "Ed Editor",
    });
  });

  it("read-only: cannot revoke its owner's sessions or tokens either", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const reader = await createToken(admin, { name: "reader", scope: "read" });
    const other = await createToken(admin, { name: "other", scope: "read" });

    const endSessions = await send(site.sheaf, "DELETE", "/api/account/sessions", { headers: bearer(reader.token) });
    const endToken = await send(site.sheaf, "DELETE", `/api/account/tokens/${other.id}`, {
      headers: bearer(reader.token),
    });
    expect(endSessions.status).toBe(403);
    expect(endToken.status).toBe(403);
    expect((await admin.get("/api/auth")).status).toBe(200);
    expect(itemsOf(await admin.get("/api/account/tokens"))).toHaveLength(2);
  });

  it("an editor's token cannot delete a page even when its scope asks for pages.delete", async () => {
    const site = await start();
    const scope = { pages: { access: true, list: true, read: true, delete: true } };
    const editorToken = await createToken(await loggedIn(site, EDITOR), { name: "cleaner", scope });
    const adminToken = await createToken(await loggedIn(site, ADMIN), { name: "cleaner", scope });

    const refused = await send(site.sheaf, "DELETE", "/api/pages/notes+first-note", {
      headers: bearer(editorToken.token),
    });
    expect(refused.status).toBe(403);
    expect((refused.body as { key: string }).key).toBe("error.page.delete.permission");
    await expect(stat(noteFile(site))).resolves.toBeTruthy();

    // the same scope on an admin's token does delete: the refusal above came from the editor's role
    expect(
      (await send(site.sheaf, "DELETE", "/api/pages/notes+first-note", { headers: bearer(adminToken.token) })).status,
    ).toBe(200);
    await expect(stat(noteFile(site))).rejects.toThrow();
  });

  it("renders each scope's own page options, read in turns by the same admin (no shared cached answer)", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const read = (await createToken(admin, { name: "reader", scope: "read" })).token;
    const full = (await createToken(admin, { name: "writer", scope: "full" })).token;
    const custom = (
      await createToken(admin, { name: "updater", scope: { pages: { access: true, read: true, update: true } } })
    ).token;
    const optionsWith = async (token: string): Promise<Record<string, boolean>> =>
      (
        (await send(site.sheaf, "GET", "/api/pages/notes", { headers: bearer(token) })).body as {
          data: { options: Record<string, boolean> };
        }
      ).data.options;
    for (let round = 0; round < 2; round++) {
      expect(await optionsWith(read)).toMatchObject({ read: true, update: false, delete: false });
      expect(await optionsWith(full)).toMatchObject({ read: true, update: true, delete: true });
      expect(await optionsWith(custom)).toMatchObject({ read: true, update: true, delete: false });
    }
    expect(dataOf(await admin.get("/api/pages/notes"))["options"]).toMatchObject({ update: true, delete: true });
  });

  it("a custom scope limits even an admin to the listed actions", async () => {
    const site = await start();
    const { token } = await createToken(await loggedIn(site, ADMIN), {
      name: "editor bot",
      scope: { pages: { access: true, read: true, update: true } },
    });
    expect(
      (
        await send(site.sheaf, "PATCH", "/api/pages/notes+first-note", {
          headers: bearer(token),
          json: { text: "bot" },
        })
      ).status,
    ).toBe(200);
    expect((await send(site.sheaf, "DELETE", "/api/pages/notes+first-note", { headers: bearer(token) })).status).toBe(
      403,
    );
    // without `site.access` in the scope the site is not even visible (404), as for a role without it
    expect([403, 404]).toContain(
      (await send(site.sheaf, "PATCH", "/api/site", { headers: bearer(token), json: { title: "Bot" } })).status,
    );
    await expect(stat(noteFile(site))).resolves.toBeTruthy();
    expect(await readFile(path.join(site.root, "content", "site.txt"), "utf8")).not.toContain("Bot");
  });

  it("follows a change of the owner's role file on the next request, without being revoked", async () => {
    const site = await start(INSECURE_OK, { extra: { watch: true } });
    const { token } = await createToken(await loggedIn(site, EDITOR), { name: "writer", scope: "full" });
    const patch = (text: string): Promise<Reply> =>
      send(site.sheaf, "PATCH", "/api/pages/notes+first-note", { headers: bearer(token), json: { text } });
    expect((await patch("before")).status).toBe(200);

    const roleFile = path.join(site.root, "site", "blueprints", "users", "editor.yml");
    await writeFile(roleFile, "title: Editor\npermissions:\n  pages:\n    update: false\n");
    await until("the new role file is in force", async () => (await patch("during")).status === 403);
    expect(await readFile(noteFile(site), "utf8")).not.toContain("after");
    expect((await patch("after")).status).toBe(403);
    expect(
      (await send(site.sheaf, "GET", "/api/pages/notes+first-note?select=id", { headers: bearer(token) })).status,
    ).toBe(200);
  });

  it("dies with a role change made through the API", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token } = await createToken(await loggedIn(site, EDITOR), { name: "writer", scope: "full" });
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status).toBe(200);

    expect(
      (await admin.request("PATCH", `/api/users/${EDITOR.id}/role`, { withCsrf: true, json: { role: "admin" } }))
        .status,
    ).toBe(200);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(UNAUTHENTICATED);
    // no promotion leaks through the old token
    expect((await send(site.sheaf, "DELETE", "/api/pages/notes+first-note", { headers: bearer(token) })).status).toBe(
      401,
    );
  });

  it("cannot create application passwords, neither as Bearer nor as the Basic password", async () => {
    const site = await start();
    const admin = await loggedIn(site, ADMIN);
    const { token } = await createToken(admin, { name: "full", scope: "full" });

    for (const [url, headers] of [
      ["/api/account/tokens", bearer(token)],
      ["/api/account/tokens", { authorization: basicAuth(ADMIN.email, token) }],
      [`/api/users/${EDITOR.id}/tokens`, bearer(token)],
    ] as const) {
      const reply = await send(site.sheaf, "POST", url, { headers, json: { name: "child", scope: "full" } });
      expect(reply.status, url).toBe(403);
      expect((reply.body as { message: string }).message).toMatch(
        /application password cannot create application passwords/,
      );
    }
    expect(itemsOf(await admin.get("/api/account/tokens"))).toHaveLength(1);
    expect(itemsOf(await admin.get(`/api/users/${EDITOR.id}/tokens`))).toEqual([]);
    // the account password over Basic still may
    const withPassword = await send(site.sheaf, "POST", "/api/account/tokens", {
      headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
      json: { name: "from basic" },
    });
    expect(withPassword.status).toBe(200);
  });
});
