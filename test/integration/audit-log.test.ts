/**
 * The security audit log through HTTP: what lands in `site/logs/auth.log` (JSON lines with actor, address and user
 * agent, never a secret), and `GET /api/system/audit` (admins only, newest first, paged, across rotated files).
 */
import { access, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryThrottleStore } from "../../src/auth/index.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  itemsOf,
  NOACCESS,
  paginationOf,
  send,
  startSite,
  tokenOf,
  UNAUTHENTICATED,
  type Client,
  type Reply,
  type TestSite,
  auditWritten,
  basicAuth,
  injectFrom,
} from "./helpers.js";

afterEach(async () => {
  await cleanUp();
});

interface Entry {
  readonly time: string;
  readonly event: string;
  readonly actor: { readonly id: string; readonly email: string } | null;
  readonly target?: Record<string, string>;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details?: Record<string, unknown>;
}

const UA = "AuditTest/1.0 (integration)";
const ATTACKER_UA = "Attacker/6.6";
const ATTACKER_IP = "203.0.113.20";

function logFile(site: TestSite, suffix = ""): string {
  return path.join(site.root, "site", "logs", `auth.log${suffix}`);
}

async function readEntries(site: TestSite): Promise<Entry[]> {
  const text = await readFile(logFile(site), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);
}

/** The log once it holds every wanted event (entries are appended after the answers). */
async function entriesWith(site: TestSite, events: readonly string[]): Promise<Entry[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const entries = await readEntries(site);
    const seen = new Set(entries.map((entry) => entry.event));
    if (events.every((event) => seen.has(event))) return entries;
    if (Date.now() > deadline)
      throw new Error(
        `audit log lacks ${events.filter((event) => !seen.has(event)).join(", ")}; it has ${[...seen].join(", ")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function start(config: Record<string, unknown> = {}): Promise<TestSite> {
  const site = await startSite({
    memorySessions: true,
    config: { api: { basicAuth: true, allowInsecure: true }, ...config },
    extra: { throttleStore: new MemoryThrottleStore() },
  });
  return site;
}

/** A session client whose requests all carry the test's user agent. */
async function logIn(site: TestSite, account: { email: string; password: string }): Promise<Client> {
  const client = site.client();
  await client.fetchCsrf();
  const reply = await client.request("POST", "/api/auth/login", {
    withCsrf: true,
    json: account,
    headers: { "user-agent": UA },
  });
  if (reply.status !== 200) throw new Error(`login answered ${reply.status}: ${reply.text}`);
  return client;
}

function request(client: Client, method: string, url: string, json?: unknown): Promise<Reply> {
  return client.request(method, url, {
    withCsrf: true,
    headers: { "user-agent": UA },
    ...(json === undefined ? {} : { json }),
  });
}

describe("site/logs/auth.log", () => {
  it("records logins, failures, blocks, tokens, session revocations, password and role changes, with actor, address and user agent", async () => {
    const site = await start({ auth: { trials: 2 } });
    const secrets: string[] = [ADMIN.password, EDITOR.password, NOACCESS.password];

    // failures and a block from one address
    const anonymous = site.client();
    await anonymous.fetchCsrf();
    const attempt = (password: string): Promise<Reply> =>
      injectFrom(
        site.sheaf,
        ATTACKER_IP,
        "POST",
        "/api/auth/login",
        { cookie: anonymous.cookie!, "x-csrf": anonymous.csrf!, "user-agent": ATTACKER_UA },
        { email: NOACCESS.email, password },
      );
    for (const password of ["guess-one-password", "guess-two-password", "guess-three-password"]) {
      secrets.push(password);
      expect((await attempt(password)).status).toBe(403);
    }

    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const editorElsewhere = await logIn(site, EDITOR);
    secrets.push(secretOf(admin), secretOf(editor), secretOf(editorElsewhere), admin.csrf!, editor.csrf!);

    const created = await request(admin, "POST", "/api/account/tokens", { name: "deploy", scope: "full" });
    const token = dataOf(created)["token"] as string;
    const tokenId = dataOf(created)["id"] as string;
    secrets.push(token, token.slice(-43));
    expect(
      (
        await injectFrom(site.sheaf, "198.51.100.30", "GET", "/api/auth", {
          authorization: `Bearer ${token}`,
          "user-agent": "DeployBot/2.0",
        })
      ).status,
    ).toBe(200);
    expect((await request(admin, "DELETE", `/api/account/tokens/${tokenId}`)).status).toBe(200);

    const editorSession = tokenOf(editorElsewhere.cookie!).split(".")[1]!;
    expect((await request(editor, "DELETE", `/api/account/sessions/${editorSession}`)).status).toBe(200);

    const newPassword = "an-entirely-new-password";
    secrets.push(newPassword);
    expect(
      (
        await request(admin, "PATCH", `/api/users/${EDITOR.id}/password`, {
          currentPassword: ADMIN.password,
          password: newPassword,
        })
      ).status,
    ).toBe(200);
    expect((await request(admin, "PATCH", `/api/users/${EDITOR.id}/role`, { role: "admin" })).status).toBe(200);
    expect((await request(admin, "DELETE", `/api/users/${EDITOR.id}`)).status).toBe(200);
    expect((await request(admin, "POST", "/api/auth/logout")).status).toBe(200);

    const events = [
      "login.failure",
      "login.blocked",
      "login.success",
      "token.create",
      "token.use",
      "token.revoke",
      "session.revoke",
      "password.change",
      "role.change",
      "user.delete",
      "logout",
    ];
    const entries = await entriesWith(site, events);
    const first = (event: string): Entry => entries.find((entry) => entry.event === event)!;
    const adminActor = { id: ADMIN.id, email: ADMIN.email };

    for (const entry of entries) {
      expect(Number.isNaN(Date.parse(entry.time)), JSON.stringify(entry)).toBe(false);
      expect(typeof entry.ip, JSON.stringify(entry)).toBe("string");
    }
    expect(first("login.failure")).toMatchObject({ actor: null, ip: ATTACKER_IP, details: { email: NOACCESS.email } });
    expect(first("login.blocked")).toMatchObject({ actor: null, ip: ATTACKER_IP, details: { email: NOACCESS.email } });
    expect(entries.filter((entry) => entry.event === "login.failure")).toHaveLength(2);
    expect(first("login.success")).toMatchObject({ actor: adminActor, ip: "127.0.0.1", userAgent: UA });
    expect(first("token.create")).toMatchObject({
      actor: adminActor,
      userAgent: UA,
      target: { user: ADMIN.id, token: tokenId },
    });
    expect(first("token.use")).toMatchObject({
      actor: adminActor,
      ip: "198.51.100.30",
      userAgent: "DeployBot/2.0",
      target: { token: tokenId },
    });
    expect(first("token.revoke")).toMatchObject({ actor: adminActor, userAgent: UA, target: { token: tokenId } });
    expect(first("session.revoke")).toMatchObject({
      actor: { id: EDITOR.id },
      userAgent: UA,
      target: { user: EDITOR.id, session: editorSession },
    });
    expect(first("password.change")).toMatchObject({ actor: adminActor, userAgent: UA, target: { user: EDITOR.id } });
    expect(first("role.change")).toMatchObject({
      actor: adminActor,
      userAgent: UA,
      target: { user: EDITOR.id },
      details: { from: "editor", to: "admin" },
    });
    expect(first("user.delete")).toMatchObject({ actor: adminActor, userAgent: UA, target: { user: EDITOR.id } });
    expect(first("logout")).toMatchObject({ actor: adminActor, userAgent: UA });

    const text = await readFile(logFile(site), "utf8");
    for (const secret of secrets) expect(text, "the log holds a secret").not.toContain(secret);
    expect(text).not.toMatch(/secretHash|passwordHash|\$2[aby]\$/);
    expect((await stat(logFile(site))).mode & 0o777).toBe(0o600);
  });

  it("failed password logins and blocks carry the user agent too", async () => {
    const site = await start({ auth: { trials: 1 } });
    const headers = { authorization: basicAuth(EDITOR.email, "wrong-password"), "user-agent": ATTACKER_UA };
    await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", headers);
    await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", headers);
    const entries = await entriesWith(site, ["login.failure", "login.blocked"]);
    expect(entries.find((entry) => entry.event === "login.failure")?.userAgent).toBe(ATTACKER_UA);
    expect(entries.find((entry) => entry.event === "login.blocked")?.userAgent).toBe(ATTACKER_UA);
  });

  it("records failed application passwords without the presented secret", async () => {
    const site = await start();
    const forged = `sheaf_${"a".repeat(16)}_${"Z".repeat(43)}`;
    await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", {
      authorization: `Bearer ${forged}`,
      "user-agent": ATTACKER_UA,
    });
    await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", {
      authorization: basicAuth(ADMIN.email, forged),
      "user-agent": ATTACKER_UA,
    });
    const entries = await entriesWith(site, ["login.failure"]);
    const failures = entries.filter((entry) => entry.event === "login.failure");
    await auditWritten(site);
    expect((await readEntries(site)).filter((entry) => entry.event === "login.failure")).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      actor: null,
      ip: ATTACKER_IP,
      userAgent: ATTACKER_UA,
      details: { method: "token" },
    });
    expect(await readFile(logFile(site), "utf8")).not.toContain("Z".repeat(43));
  });
});

describe("GET /api/system/audit", () => {
  async function siteWithEntries(count: number): Promise<{ site: TestSite; admin: Client }> {
    const site = await start({ auth: { trials: 1000 } });
    for (let i = 0; i < count; i++) {
      await injectFrom(site.sheaf, `192.0.2.${i + 1}`, "GET", "/api/auth", {
        authorization: basicAuth(EDITOR.email, `wrong-${i}-password`),
      });
    }
    const admin = await logIn(site, ADMIN);
    await entriesWith(site, ["login.success"]);
    await auditWritten(site);
    return { site, admin };
  }

  it("gives admins the entries newest first, paged", async () => {
    const { site, admin } = await siteWithEntries(5);
    const all = await admin.get("/api/system/audit");
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ code: 200, status: "ok", type: "collection" });
    const entries = itemsOf(all) as unknown as Entry[];
    expect(entries).toHaveLength(6);
    expect(entries[0]!.event).toBe("login.success");
    expect(entries.slice(1).map((entry) => entry.ip)).toEqual([
      "192.0.2.5",
      "192.0.2.4",
      "192.0.2.3",
      "192.0.2.2",
      "192.0.2.1",
    ]);
    const times = entries.map((entry) => Date.parse(entry.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const page2 = await admin.get("/api/system/audit?limit=2&page=2");
    expect(paginationOf(page2)).toEqual({ page: 2, total: 6, offset: 2, limit: 2 });
    expect((itemsOf(page2) as unknown as Entry[]).map((entry) => entry.ip)).toEqual(["192.0.2.4", "192.0.2.3"]);
    const page3 = await admin.get("/api/system/audit?limit=2&page=3");
    expect((itemsOf(page3) as unknown as Entry[]).map((entry) => entry.ip)).toEqual(["192.0.2.2", "192.0.2.1"]);

    // also for an admin's application password
    const created = await request(admin, "POST", "/api/account/tokens", { name: "auditor", scope: "read" });
    const viaToken = await send(site.sheaf, "GET", "/api/system/audit?limit=1", {
      headers: { authorization: `Bearer ${dataOf(created)["token"] as string}` },
    });
    expect(viaToken.status).toBe(200);
  });

  it("is for admins only", async () => {
    const { site } = await siteWithEntries(1);
    const editor = await logIn(site, EDITOR);
    const refused = await editor.get("/api/system/audit");
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain("192.0.2.1");
    const viaBasic = await send(site.sheaf, "GET", "/api/system/audit", {
      headers: { authorization: basicAuth(EDITOR.email, EDITOR.password) },
    });
    expect(viaBasic.status).toBe(403);
    expect((await send(site.sheaf, "GET", "/api/system/audit")).body).toEqual(UNAUTHENTICATED);
  });

  it("rotates the file by size and still reads every kept entry", async () => {
    const site = await start({ auth: { trials: 1000 }, audit: { maxBytes: 600, keep: 2 } });
    for (let i = 0; i < 12; i++) {
      await injectFrom(site.sheaf, `192.0.2.${i + 1}`, "GET", "/api/auth", {
        authorization: basicAuth(EDITOR.email, `wrong-${i}-password`),
      });
      // one entry at a time, so each rotation check sees the previous append
      await auditWritten(site);
    }
    await access(logFile(site, ".1"));
    await access(logFile(site, ".2"));
    await expect(access(logFile(site, ".3"))).rejects.toThrow();
    const current = (await readEntries(site)).length;

    const admin = await logIn(site, ADMIN);
    await auditWritten(site);
    const listed = itemsOf(await admin.get("/api/system/audit")) as unknown as Entry[];
    expect(listed.length).toBeGreaterThan(current + 1);
    expect(listed.length).toBeLessThan(13);
    expect(listed[0]!.event).toBe("login.success");
    expect(listed[1]!.ip).toBe("192.0.2.12");
  });
});

function secretOf(client: Client): string {
  return tokenOf(client.cookie!).split(".")[2]!;
}
