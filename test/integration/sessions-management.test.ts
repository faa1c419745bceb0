/**
 * Session management through HTTP: listing a user's sessions, revoking one or all others, the same for admins on
 * other users, and the server-side revocation that follows a password change, a role change, a deletion and a
 * logout (the session files are gone, not merely unusable).
 */
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  copySite,
  EDITOR,
  itemsOf,
  send,
  startSite,
  tokenOf,
  UNAUTHENTICATED,
  type Account,
  type Client,
  type TestSite,
  basicAuth,
  createToken,
} from "./helpers.js";

afterEach(async () => {
  await cleanUp();
});

const CONFIG = { api: { basicAuth: true, allowInsecure: true } };

/** Sessions in `site/sessions` (the file store), so revocation can be checked on disk. */
async function start(root?: string): Promise<TestSite> {
  const site = await startSite({ config: CONFIG, ...(root ? { root } : {}) });
  return site;
}

/** Logs in with a given user agent. */
async function logIn(
  site: TestSite,
  account: Pick<Account, "email" | "password">,
  userAgent = "vitest",
): Promise<Client> {
  const client = site.client();
  await client.fetchCsrf();
  const reply = await client.request("POST", "/api/auth/login", {
    withCsrf: true,
    json: { email: account.email, password: account.password },
    headers: { "user-agent": userAgent },
  });
  if (reply.status !== 200) throw new Error(`login of ${account.email} answered ${reply.status}: ${reply.text}`);
  return client;
}

/** `<expiry>.<id>` of the client's session: the name of its file without `.sess`. */
function storeKeyOf(client: Client): string {
  const [expiry, id] = tokenOf(client.cookie!).split(".");
  return `${expiry}.${id}`;
}

function publicIdOf(client: Client): string {
  return tokenOf(client.cookie!).split(".")[1]!;
}

function secretKeyOf(client: Client): string {
  return tokenOf(client.cookie!).split(".")[2]!;
}

async function sessionFileExists(site: TestSite, client: Client | string): Promise<boolean> {
  const key = typeof client === "string" ? client : storeKeyOf(client);
  return access(path.join(site.root, "site", "sessions", `${key}.sess`)).then(
    () => true,
    () => false,
  );
}

async function isLoggedIn(client: Client): Promise<boolean> {
  const reply = await client.get("/api/auth");
  if (reply.status === 200) return true;
  expect(reply.body).toEqual(UNAUTHENTICATED);
  return false;
}

async function tokenWorks(site: TestSite, token: string): Promise<boolean> {
  const reply = await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: `Bearer ${token}` } });
  return reply.status === 200;
}

async function storedTokenOwners(site: TestSite): Promise<string[]> {
  const text = await readFile(path.join(site.root, "site", "accounts", ".tokens.json"), "utf8").catch(() => "{}");
  return Object.values(JSON.parse(text) as Record<string, { userId: string }>).map((record) => record.userId);
}

describe("listing sessions", () => {
  it("lists the user's live sessions, flags the current one and shows no secret", async () => {
    const site = await start();
    const first = await logIn(site, ADMIN, "Browser-A/1.0");
    const second = await logIn(site, ADMIN, "Browser-B/2.0");
    await logIn(site, EDITOR, "Editor-Browser");

    const reply = await first.get("/api/account/sessions");
    expect(reply.status).toBe(200);
    const sessions = itemsOf(reply);
    expect(sessions).toHaveLength(2);
    const mine = sessions.find((entry) => entry["id"] === publicIdOf(first));
    const other = sessions.find((entry) => entry["id"] === publicIdOf(second));
    expect(mine).toMatchObject({ current: true, userAgent: "Browser-A/1.0", ip: "127.0.0.1" });
    expect(other).toMatchObject({ current: false, userAgent: "Browser-B/2.0", ip: "127.0.0.1" });
    for (const entry of sessions) {
      for (const field of ["createdAt", "lastSeenAt", "expiresAt"])
        expect(Number.isNaN(Date.parse(entry[field] as string))).toBe(false);
    }
    expect(reply.text).not.toContain(secretKeyOf(first));
    expect(reply.text).not.toContain(secretKeyOf(second));

    // seen from the other session, the flag moves
    const fromSecond = itemsOf(await second.get("/api/account/sessions"));
    expect(fromSecond.find((entry) => entry["current"] === true)?.["id"]).toBe(publicIdOf(second));
  });

  it("keeps the list across a restart", async () => {
    const site = await start();
    const client = await logIn(site, ADMIN);
    await site.close();
    const again = await start(site.root);
    const restarted = again.client();
    restarted.cookie = client.cookie;
    restarted.csrf = client.csrf;
    const sessions = itemsOf(await restarted.get("/api/account/sessions"));
    expect(sessions.map((entry) => entry["id"])).toEqual([publicIdOf(client)]);
  });
});

describe("revoking sessions", () => {
  it("revokes one session: it is dead at once and its file is gone", async () => {
    const site = await start();
    const first = await logIn(site, ADMIN);
    const second = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    expect(await sessionFileExists(site, second)).toBe(true);

    const reply = await first.request("DELETE", `/api/account/sessions/${publicIdOf(second)}`, { withCsrf: true });
    expect(reply.status).toBe(200);
    expect(await isLoggedIn(second)).toBe(false);
    expect(await sessionFileExists(site, second)).toBe(false);
    expect(await isLoggedIn(first)).toBe(true);
    expect(itemsOf(await first.get("/api/account/sessions")).map((entry) => entry["id"])).toEqual([publicIdOf(first)]);

    // unknown, already revoked, or someone else's session: 404, and nothing happens
    expect(
      (await first.request("DELETE", `/api/account/sessions/${publicIdOf(second)}`, { withCsrf: true })).status,
    ).toBe(404);
    expect(
      (await first.request("DELETE", `/api/account/sessions/${publicIdOf(editor)}`, { withCsrf: true })).status,
    ).toBe(404);
    expect(await isLoggedIn(editor)).toBe(true);
  });

  it("revokes every other session and keeps the current one", async () => {
    const site = await start();
    const [current, second, third] = [await logIn(site, ADMIN), await logIn(site, ADMIN), await logIn(site, ADMIN)];
    const editor = await logIn(site, EDITOR);

    const reply = await current!.request("DELETE", "/api/account/sessions", { withCsrf: true });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: "ok", revoked: 2 });
    expect(await isLoggedIn(second!)).toBe(false);
    expect(await isLoggedIn(third!)).toBe(false);
    expect(await sessionFileExists(site, second!)).toBe(false);
    expect(await sessionFileExists(site, third!)).toBe(false);
    expect(await isLoggedIn(current!)).toBe(true);
    expect(await isLoggedIn(editor)).toBe(true);
  });

  it("lets an admin list and revoke another user's sessions", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const first = await logIn(site, EDITOR, "Editor-1");
    const second = await logIn(site, EDITOR, "Editor-2");

    const listed = itemsOf(await admin.get(`/api/users/${EDITOR.id}/sessions`));
    expect(listed.map((entry) => entry["id"]).sort()).toEqual([publicIdOf(first), publicIdOf(second)].sort());
    expect(listed.every((entry) => entry["current"] === false)).toBe(true);

    expect(
      (await admin.request("DELETE", `/api/users/${EDITOR.id}/sessions/${publicIdOf(first)}`, { withCsrf: true }))
        .status,
    ).toBe(200);
    expect(await isLoggedIn(first)).toBe(false);
    expect(await isLoggedIn(second)).toBe(true);

    const all = await admin.request("DELETE", `/api/users/${EDITOR.id}/sessions`, { withCsrf: true });
    expect(all.body).toMatchObject({ revoked: 1 });
    expect(await isLoggedIn(second)).toBe(false);
    expect(await isLoggedIn(admin)).toBe(true);
  });

  it("does not let a non-admin see or end another user's sessions, even one allowed to manage users", async () => {
    const root = await copySite(undefined, ["content/3_bulk"]);
    await writeFile(
      path.join(root, "site", "blueprints", "users", "manager.yml"),
      "title: Manager\npermissions:\n  access:\n    users: true\n  users: true\n",
    );
    const site = await start(root);
    const admin = await logIn(site, ADMIN);
    const created = await admin.request("POST", "/api/users", {
      withCsrf: true,
      json: { email: "mia@example.com", password: "mia-password-1", role: "manager" },
    });
    expect(created.status).toBe(200);
    const manager = await logIn(site, { email: "mia@example.com", password: "mia-password-1" });
    const editor = await logIn(site, EDITOR);

    for (const [client, expected] of [
      [editor, 404],
      [manager, 403],
    ] as const) {
      expect((await client.get(`/api/users/${ADMIN.id}/sessions`)).status).toBe(expected);
      expect((await client.request("DELETE", `/api/users/${ADMIN.id}/sessions`, { withCsrf: true })).status).toBe(
        expected,
      );
      expect(
        (await client.request("DELETE", `/api/users/${ADMIN.id}/sessions/${publicIdOf(admin)}`, { withCsrf: true }))
          .status,
      ).toBe(expected);
      expect((await client.get(`/api/users/${ADMIN.id}/tokens`)).status).toBe(expected);
    }
    expect((await manager.get(`/api/users/${EDITOR.id}/sessions`)).status).toBe(403);
    expect(await isLoggedIn(admin)).toBe(true);
    expect(await isLoggedIn(editor)).toBe(true);
  });
});

describe("server-side revocation", () => {
  it("a password change of one's own ends the other sessions and every token; the acting session stays", async () => {
    const site = await start();
    const acting = await logIn(site, ADMIN);
    const other = await logIn(site, ADMIN);
    const token = (await createToken(acting)).token;
    const editor = await logIn(site, EDITOR);

    const reply = await acting.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { currentPassword: ADMIN.password, password: "a-new-admin-password" },
    });
    expect(reply.status).toBe(200);
    expect(await isLoggedIn(acting)).toBe(true);
    expect(await isLoggedIn(other)).toBe(false);
    expect(await sessionFileExists(site, other)).toBe(false);
    expect(await tokenWorks(site, token)).toBe(false);
    expect(await storedTokenOwners(site)).not.toContain(ADMIN.id);
    expect(itemsOf(await acting.get("/api/account/sessions")).map((entry) => entry["id"])).toEqual([
      publicIdOf(acting),
    ]);
    expect(await isLoggedIn(editor)).toBe(true);
  });

  it("an admin changing another user's password ends all of that user's sessions and tokens", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;

    const reply = await admin.request("PATCH", `/api/users/${EDITOR.id}/password`, {
      withCsrf: true,
      json: { currentPassword: ADMIN.password, password: "a-new-editor-password" },
    });
    expect(reply.status).toBe(200);
    expect(await sessionFileExists(site, editor)).toBe(false);
    expect(await isLoggedIn(editor)).toBe(false);
    expect(await tokenWorks(site, token)).toBe(false);
    expect(await isLoggedIn(admin)).toBe(true);
  });

  it("a role change ends the user's sessions and tokens", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;
    const adminToken = (await createToken(admin)).token;

    const reply = await admin.request("PATCH", `/api/users/${EDITOR.id}/role`, {
      withCsrf: true,
      json: { role: "admin" },
    });
    expect(reply.status).toBe(200);
    expect(await sessionFileExists(site, editor)).toBe(false);
    expect(await isLoggedIn(editor)).toBe(false);
    expect(await tokenWorks(site, token)).toBe(false);
    expect(await storedTokenOwners(site)).toEqual([ADMIN.id]);
    expect(await isLoggedIn(admin)).toBe(true);
    expect(await tokenWorks(site, adminToken)).toBe(true);
  });

  it("a deletion ends the user's sessions and tokens", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;

    expect((await admin.request("DELETE", `/api/users/${EDITOR.id}`, { withCsrf: true })).status).toBe(200);
    expect(await sessionFileExists(site, editor)).toBe(false);
    expect(await isLoggedIn(editor)).toBe(false);
    expect(await tokenWorks(site, token)).toBe(false);
    expect(await storedTokenOwners(site)).toEqual([]);
    const registry = await readFile(path.join(site.root, "site", "sessions", ".users.json"), "utf8");
    expect(registry).not.toContain(EDITOR.id);
  });

  it("logout ends the login: the old cookie only forwards to the anonymous session, which leaves the user's list", async () => {
    const site = await start();
    const client = await logIn(site, ADMIN);
    const witness = await logIn(site, ADMIN);
    const oldCookie = client.cookie!;
    const oldKey = storeKeyOf(client);
    expect(await sessionFileExists(site, oldKey)).toBe(true);

    const reply = await client.request("POST", "/api/auth/logout", { withCsrf: true });
    expect(reply.status).toBe(200);
    // the old token now only forwards (docs/kirby-compat/auth-and-sessions.md) to an anonymous session, which lives in memory: no file is left
    expect(await sessionFileExists(site, oldKey)).toBe(false);

    const replay = await send(site.sheaf, "GET", "/api/auth", {
      headers: { cookie: oldCookie, "x-csrf": client.csrf! },
    });
    expect(replay.body).toEqual(UNAUTHENTICATED);
    const replayHeader = await send(site.sheaf, "GET", "/api/auth", {
      headers: { authorization: `Session ${tokenOf(oldCookie)}`, "x-csrf": client.csrf! },
    });
    expect(replayHeader.body).toEqual(UNAUTHENTICATED);

    expect(itemsOf(await witness.get("/api/account/sessions")).map((entry) => entry["id"])).toEqual([
      publicIdOf(witness),
    ]);
    const registry = await readFile(path.join(site.root, "site", "sessions", ".users.json"), "utf8");
    expect(registry).not.toContain(oldKey);
  });

  it("Basic auth may end all of the user's sessions (it has no session of its own to keep)", async () => {
    const site = await start();
    const first = await logIn(site, ADMIN);
    const second = await logIn(site, ADMIN);
    const reply = await send(site.sheaf, "DELETE", "/api/account/sessions", {
      headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
    });
    expect(reply.body).toMatchObject({ revoked: 2 });
    expect(await isLoggedIn(first)).toBe(false);
    expect(await isLoggedIn(second)).toBe(false);
  });
});
