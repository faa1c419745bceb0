/**
 * Regression tests named after published advisories of peer CMSs and of Kirby: each one replays the attack the
 * advisory describes against Sheaf, through HTTP.
 */
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryThrottleStore } from "../../src/auth/index.js";
import { main as cli } from "../../src/cli/main.js";
import {
  ADMIN,
  cleanUp,
  copySite,
  dataOf,
  EDITOR,
  INVALID_LOGIN,
  itemsOf,
  NO_PANEL_ACCESS,
  send,
  startSite,
  tokenOf,
  UNAUTHENTICATED,
  type Account,
  type Client,
  type Reply,
  type StartSiteOptions,
  type TestSite,
  injectFrom,
  bearer,
  createToken,
  nextSecond,
  until,
} from "./helpers.js";

afterEach(async () => {
  vi.useRealTimers();
  await cleanUp();
});

const CONFIG = { api: { basicAuth: true, allowInsecure: true } };

async function start(options: StartSiteOptions = {}): Promise<TestSite> {
  const site = await startSite({ config: CONFIG, ...options });
  return site;
}

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

async function logIn(
  site: TestSite,
  account: Pick<Account, "email" | "password">,
  options: { long?: boolean } = {},
): Promise<Client> {
  return site.client().loginOrThrow(account, options);
}

async function status(site: TestSite, headers: Record<string, string>, url = "/api/auth"): Promise<number> {
  return (await send(site.sheaf, "GET", url, { headers })).status;
}

async function createUser(admin: Client, email: string, password: string, role: string): Promise<string> {
  const reply = await admin.request("POST", "/api/users", { withCsrf: true, json: { email, password, role } });
  if (reply.status !== 200) throw new Error(`user creation answered ${reply.status}: ${reply.text}`);
  return dataOf(reply)["id"] as string;
}

describe("Payload CVE-2025-4643: sessions must not survive logout", () => {
  for (const long of [false, true]) {
    it(`a ${long ? "long" : "normal"} session's cookie and token are dead after logout, and its record keeps no login`, async () => {
      const site = await start();
      const client = await logIn(site, ADMIN, { long });
      const cookie = client.cookie!;
      const [expiry, id] = tokenOf(cookie).split(".");
      const file = path.join(site.root, "site", "sessions", `${expiry}.${id}.sess`);
      await access(file);

      expect((await client.request("POST", "/api/auth/logout", { withCsrf: true })).status).toBe(200);
      // the old token only forwards to the anonymous session for the grace period (docs/kirby-compat/auth-and-sessions.md); both are anonymous,
      // so they live in memory and no file keeps the login
      expect(await readFile(file, "utf8").catch(() => null)).toBeNull();
      expect(await status(site, { cookie, "x-csrf": client.csrf! })).toBe(401);
      expect(await status(site, { authorization: `Session ${tokenOf(cookie)}`, "x-csrf": client.csrf! })).toBe(401);
      // well after the grace period a renewed token gets, too
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(
        (await send(site.sheaf, "GET", "/api/auth", { headers: { cookie, "x-csrf": client.csrf! } })).body,
      ).toEqual(UNAUTHENTICATED);
    });
  }

  it("a session used through Authorization: Session is ended by its own logout", async () => {
    const site = await start();
    const client = await logIn(site, ADMIN);
    const headers = { authorization: `Session ${tokenOf(client.cookie!)}`, "x-csrf": client.csrf! };
    expect(await status(site, headers)).toBe(200);
    expect((await send(site.sheaf, "POST", "/api/auth/logout", { headers })).status).toBe(200);
    expect(await status(site, headers)).toBe(401);
  });
});

describe("Strapi CVE-2026-22706: tokens must not survive a password change", () => {
  it("changing one's own password through the API revokes every token and every other session", async () => {
    const site = await start();
    const acting = await logIn(site, EDITOR);
    const other = await logIn(site, EDITOR);
    const tokens = [
      (await createToken(acting, { name: "script", scope: "read" })).token,
      (await createToken(acting)).token,
    ];
    const basicToken = basic(EDITOR.email, tokens[1]!);

    const reply = await acting.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { currentPassword: EDITOR.password, password: "editor-new-password" },
    });
    expect(reply.status).toBe(200);
    for (const token of tokens) expect(await status(site, bearer(token))).toBe(401);
    expect(await status(site, basicToken)).toBe(403);
    expect((await other.get("/api/auth")).status).toBe(401);
    expect((await acting.get("/api/auth")).status).toBe(200);
    expect(itemsOf(await acting.get("/api/account/tokens"))).toEqual([]);
  });

  it("a password changed by an admin revokes the user's tokens", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const token = (await createToken(await logIn(site, EDITOR))).token;
    expect(
      (
        await admin.request("PATCH", `/api/users/${EDITOR.id}/password`, {
          withCsrf: true,
          json: { currentPassword: ADMIN.password, password: "editor-new-password" },
        })
      ).status,
    ).toBe(200);
    expect(await status(site, bearer(token))).toBe(401);
  });

  it("a password changed outside the API (sheaf user:password) ends the tokens as it ends the sessions", async () => {
    const site = await start({ extra: { watch: true } });
    const session = await logIn(site, EDITOR);
    const token = (await createToken(session)).token;
    await nextSecond();

    const previousExitCode = process.exitCode;
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await cli(["user:password", site.root, "--email", EDITOR.email, "--password", "set-by-the-cli-1"]);
    } finally {
      stdout.mockRestore();
    }
    expect(process.exitCode).toBe(previousExitCode);
    await until(
      "the new password is in force",
      async () => (await status(site, basic(EDITOR.email, "set-by-the-cli-1"))) === 200,
    );

    expect((await session.get("/api/auth")).status).toBe(401);
    expect(await status(site, bearer(token))).toBe(401);
  });
});

describe("Directus GHSA-56p6-qw3c-fq2g: a deleted (or demoted) user keeps no access", () => {
  it("a deleted user's session, token and remembered Basic credentials stop at once", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;
    expect(await status(site, basic(EDITOR.email, EDITOR.password))).toBe(200);

    expect((await admin.request("DELETE", `/api/users/${EDITOR.id}`, { withCsrf: true })).status).toBe(200);
    expect((await editor.get("/api/auth")).status).toBe(401);
    expect(await status(site, bearer(token))).toBe(401);
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: basic(EDITOR.email, EDITOR.password) })).body,
    ).toEqual(INVALID_LOGIN);
    expect(
      (await send(site.sheaf, "PATCH", "/api/pages/notes", { headers: bearer(token), json: { intro: "ghost" } }))
        .status,
    ).toBe(401);
  });

  it("a user demoted to a role without panel access is refused on every channel", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;
    expect(await status(site, basic(EDITOR.email, EDITOR.password))).toBe(200);

    expect(
      (await admin.request("PATCH", `/api/users/${EDITOR.id}/role`, { withCsrf: true, json: { role: "noaccess" } }))
        .status,
    ).toBe(200);
    expect((await editor.get("/api/auth")).status).toBe(401);
    expect(await status(site, bearer(token))).toBe(401);
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: basic(EDITOR.email, EDITOR.password) })).body,
    ).toEqual(NO_PANEL_ACCESS);
  });

  it("a demoted admin loses the admin's rights on the next request, even with remembered Basic credentials", async () => {
    const site = await start();
    const admin = await logIn(site, ADMIN);
    const secondId = await createUser(admin, "root2@example.com", "root2-password", "admin");
    const second = await logIn(site, { email: "root2@example.com", password: "root2-password" });
    const token = (await createToken(second)).token;
    const remembered = basic("root2@example.com", "root2-password");
    expect(await status(site, remembered, "/api/system/audit")).toBe(200);

    expect(
      (await admin.request("PATCH", `/api/users/${secondId}/role`, { withCsrf: true, json: { role: "editor" } }))
        .status,
    ).toBe(200);
    expect((await second.get("/api/auth")).status).toBe(401);
    expect(await status(site, bearer(token))).toBe(401);
    expect(await status(site, remembered, "/api/system/audit")).toBe(403);
    expect((await send(site.sheaf, "DELETE", "/api/pages/notes+first-note", { headers: remembered })).status).toBe(403);
    expect((await send(site.sheaf, "DELETE", `/api/users/${ADMIN.id}`, { headers: remembered })).status).not.toBe(200);
  });

  it("a role taken away on disk applies to live sessions and tokens on the next request", async () => {
    const site = await start({ extra: { watch: true } });
    const editor = await logIn(site, EDITOR);
    const token = (await createToken(editor)).token;
    const accountFile = path.join(site.root, "site", "accounts", EDITOR.id, "index.php");
    await writeFile(accountFile, (await readFile(accountFile, "utf8")).replace("'editor'", "'noaccess'"));
    await until("the account change is seen", async () => (await editor.get("/api/auth")).status === 401);
    expect((await editor.get("/api/auth")).body).toEqual(NO_PANEL_ACCESS);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).body).toEqual(NO_PANEL_ACCESS);
  });
});

describe("Strapi GHSA-24q2-59hm-rh9r: the throttle cannot be bypassed by changing the case of the e-mail or the path", () => {
  /** Spellings of the login route that Sheaf's router sends to the login action. */
  const LOGIN_PATHS = [
    "/api/auth/login",
    "/api//auth/login",
    "/api/auth/login/",
    "/api/auth//login",
    "/api/auth/login?via=query",
    "/api/auth/login/param:value",
  ];
  /** Spellings that reach no login at all. */
  const NOT_LOGIN = [
    "/API/auth/login",
    "/api/Auth/login",
    "/api/auth/LOGIN",
    "/api/auth/%6cogin",
    "/api/auth/login%2F",
    "/Api/auth/login",
  ];
  const EMAILS = ["editor@example.com", "EDITOR@EXAMPLE.COM", "Editor@Example.com"];

  async function throttledSite(
    config: Record<string, unknown> = {},
  ): Promise<{ site: TestSite; session: Record<string, string> }> {
    const site = await start({
      memorySessions: true,
      config: { ...CONFIG, ...config },
      extra: { throttleStore: new MemoryThrottleStore() },
    });
    const client = site.client();
    await client.fetchCsrf();
    return { site, session: { cookie: client.cookie!, "x-csrf": client.csrf! } };
  }

  it("every path spelling that reaches the login route is throttled, from one address", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let now = (Math.floor(Date.now() / 1000) + 5) * 1000;
    vi.setSystemTime(now);
    const { site, session } = await throttledSite({ auth: { basicCache: 0 } });
    for (let i = 0; i < 10; i++) {
      const url = LOGIN_PATHS[i % LOGIN_PATHS.length]!;
      const reply = await injectFrom(site.sheaf, "198.51.100.66", "POST", url, session, {
        email: EMAILS[i % EMAILS.length],
        password: `wrong-${i}-password`,
      });
      expect(reply.body, url).toEqual(INVALID_LOGIN);
    }
    for (const url of LOGIN_PATHS) {
      const reply = await injectFrom(site.sheaf, "198.51.100.66", "POST", url, session, {
        email: EDITOR.email,
        password: EDITOR.password,
      });
      expect(reply.body, url).toEqual(INVALID_LOGIN);
    }
    expect(
      (await injectFrom(site.sheaf, "198.51.100.66", "GET", "/api/site", basic(EDITOR.email, EDITOR.password))).body,
    ).toEqual(INVALID_LOGIN);
    // from elsewhere the owner waits out a one-second back-off at most
    now += 1000;
    vi.setSystemTime(now);
    expect(
      (
        await injectFrom(site.sheaf, "203.0.113.1", "POST", "/api/auth/login", session, {
          email: EDITOR.email,
          password: EDITOR.password,
        })
      ).status,
    ).toBe(200);
  });

  it("e-mail case and path spelling from many addresses all count for the same account", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((Math.floor(Date.now() / 1000) + 5) * 1000);
    const { site, session } = await throttledSite({ auth: { revealThrottle: true } });
    for (let i = 0; i < 10; i++) {
      const url = LOGIN_PATHS[i % LOGIN_PATHS.length]!;
      await injectFrom(site.sheaf, `192.0.2.${i + 1}`, "POST", url, session, {
        email: EMAILS[i % EMAILS.length],
        password: "wrong-password",
      });
    }
    // every spelling counted for the one account: past its ceiling an address that failed is slowed down
    const retry = await injectFrom(site.sheaf, "192.0.2.10", "POST", "/api/auth/login", session, {
      email: EDITOR.email,
      password: EDITOR.password,
    });
    expect(retry.body).toMatchObject({ message: "Rate limit exceeded", details: { reason: "rate-limited" } });
  });

  it("the other spellings log nobody in, even with the right password", async () => {
    const { site, session } = await throttledSite();
    for (const url of NOT_LOGIN) {
      const reply = await injectFrom(site.sheaf, "203.0.113.2", "POST", url, session, {
        email: EDITOR.email,
        password: EDITOR.password,
      });
      expect(reply.status, url).toBe(404);
      expect(reply.setCookies, url).toEqual([]);
      expect(reply.text, url).not.toContain(EDITOR.id);
    }
    // the anonymous session is still anonymous
    expect((await injectFrom(site.sheaf, "203.0.113.2", "GET", "/api/auth", session)).body).toEqual(UNAUTHENTICATED);
  });
});

describe("Kirby CVE-2026-40099/44176: REST permission checks are not skipped", () => {
  async function siteWithRoles(): Promise<{ site: TestSite; admin: Client }> {
    const root = await copySite(undefined, ["content/3_bulk"]);
    const roles = path.join(root, "site", "blueprints", "users");
    await writeFile(
      path.join(roles, "drafter.yml"),
      "title: Drafter\npermissions:\n  pages:\n    changeStatus: false\n",
    );
    await writeFile(path.join(roles, "outsider.yml"), "title: Outsider\npermissions:\n  pages:\n    access: false\n");
    const site = await start({ root });
    const admin = await logIn(site, ADMIN);
    return { site, admin };
  }

  it("CVE-2026-40099: creating a page as published needs pages.changeStatus, on every channel", async () => {
    const { site, admin } = await siteWithRoles();
    await createUser(admin, "drafter@example.com", "drafter-password", "drafter");
    const drafter = await logIn(site, { email: "drafter@example.com", password: "drafter-password" });
    const token = (await createToken(drafter)).token;
    const channels: Array<[string, (url: string, json: unknown) => Promise<Reply>]> = [
      ["session", (url, json) => drafter.request("POST", url, { withCsrf: true, json })],
      [
        "basic",
        (url, json) =>
          send(site.sheaf, "POST", url, { headers: basic("drafter@example.com", "drafter-password"), json }),
      ],
      ["token", (url, json) => send(site.sheaf, "POST", url, { headers: bearer(token), json })],
    ];
    for (const [channel, post] of channels) {
      for (const body of [
        { isDraft: false },
        { isDraft: "0" },
        { draft: false },
        { status: "listed" },
        { status: "unlisted" },
        { isDraft: false, num: 1 },
      ]) {
        const slug = `sneaky-${channel}-${Object.keys(body).join("-")}-${String(Object.values(body)[0])}`;
        const reply = await post("/api/pages/notes/children", {
          slug,
          template: "note",
          content: { title: "Sneaky" },
          ...body,
        });
        expect(reply.status, `${channel} ${JSON.stringify(body)}`).toBe(403);
        await expect(access(path.join(site.root, "content", "1_notes", "_drafts", slug))).rejects.toThrow();
      }
    }
    const listed = (await admin.get("/api/pages/notes/children?status=all&select=id")).text;
    expect(listed).not.toContain("sneaky");
    // a draft is what this role may create
    expect(
      (
        await channels[0]![1]("/api/pages/notes/children", {
          slug: "honest",
          template: "note",
          content: { title: "Honest" },
        })
      ).status,
    ).toBe(200);
    expect(dataOf(await admin.get("/api/pages/notes+honest?select=status"))["status"]).toBe("draft");
  });

  it("CVE-2026-44176: drafts stay hidden from a role without pages.access, and are never rendered by the site", async () => {
    const { site, admin } = await siteWithRoles();
    await createUser(admin, "outsider@example.com", "outsider-password", "outsider");
    const outsider = await logIn(site, { email: "outsider@example.com", password: "outsider-password" });
    const token = (await createToken(outsider, { name: "script", scope: "read" })).token;

    expect((await admin.get("/api/pages/notes+secret-draft?select=id")).status).toBe(200);
    for (const reply of [
      await outsider.get("/api/pages/notes+secret-draft"),
      await send(site.sheaf, "GET", "/api/pages/notes+secret-draft", { headers: bearer(token) }),
      await send(site.sheaf, "GET", "/api/pages/notes+secret-draft", {
        headers: basic("outsider@example.com", "outsider-password"),
      }),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.text).not.toContain("Not published yet");
    }
    const children = await outsider.get("/api/pages/notes/children?status=draft");
    expect(children.text).not.toContain("secret-draft");

    // the site frontend never renders a draft, not even for a logged-in admin
    const rendered = await admin.request("GET", "/notes/secret-draft");
    expect(rendered.status).toBe(404);
    expect(rendered.text).not.toContain("Not published yet");
  });

  it("a method override goes through the same permission checks as the method itself", async () => {
    const { site } = await siteWithRoles();
    const editor = await logIn(site, EDITOR);
    const note = path.join(site.root, "content", "1_notes", "1_first-note", "note.txt");
    for (const override of ["DELETE", "delete"]) {
      const reply = await editor.request("POST", "/api/pages/notes+first-note", {
        withCsrf: true,
        headers: { "x-http-method-override": override },
      });
      expect(reply.status, override).toBe(403);
    }
    const viaBasic = await send(site.sheaf, "GET", "/api/pages/notes+first-note", {
      headers: { ...basic(EDITOR.email, EDITOR.password), "x-http-method-override": "DELETE" },
    });
    expect(viaBasic.status).toBe(403);
    await access(note);
  });
});
