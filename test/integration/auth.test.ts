import { readFile, utimes } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  cookiePair,
  dataOf,
  DEVIATIONS_FILE,
  EDITOR,
  hmacSha1,
  INVALID_CSRF,
  INVALID_LOGIN,
  listFolder,
  LOCALHOST_IP_HASH,
  NO_PANEL_ACCESS,
  NOACCESS,
  OK,
  readJsonFile,
  send,
  startSite,
  tokenOf,
  UNAUTHENTICATED,
  type Reply,
} from "./helpers.js";

afterEach(cleanUp);

const SESSION_COOKIE =
  /^kirby_session=([0-9a-f]{40})%2B(\d{10}\.[0-9a-f]{20}\.[0-9a-f]{64}); expires=\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT; Max-Age=(\d+); path=\/; HttpOnly; SameSite=Lax$/;

function maxAgeOf(setCookie: string): number {
  return Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
}

function basic(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString("base64")}`;
}

async function loginOkBody(): Promise<unknown> {
  const deviations = await readJsonFile<{ fragments: Record<string, unknown> }>(DEVIATIONS_FILE);
  return deviations.fragments["login-ok-admin"];
}

describe("CSRF bootstrap and session cookie", () => {
  it("GET /api/auth/csrf opens a session and returns its 64-hex token with Kirby's cookie", async () => {
    const site = await startSite({ memorySessions: true });
    const reply = await send(site.sheaf, "GET", "/api/auth/csrf");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ code: 200, status: "ok", csrf: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(reply.headers["cache-control"]).toBe("no-store, private");
    expect(reply.headers["content-type"]).toBe("application/json; charset=UTF-8");
    expect(reply.setCookies).toHaveLength(1);
    const match = SESSION_COOKIE.exec(reply.setCookies[0]!);
    expect(match).not.toBeNull();
    const [, hmac, token, maxAge] = match!;
    expect(hmac).toBe(hmacSha1(token!));
    expect(Number(maxAge)).toBeGreaterThanOrEqual(7199);
    expect(Number(maxAge)).toBeLessThanOrEqual(7200);
    // an anonymous session is held in memory, not in the store
    expect(site.sessionStore!.size).toBe(0);
    expect(site.sheaf.services.security.sessions.anonymous.size).toBe(1);
  });

  it("returns the same token for the same session and sets no new cookie", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    const csrf = await client.fetchCsrf();
    const again = await client.request("GET", "/api/auth/csrf");
    expect(again.body).toEqual({ code: 200, status: "ok", csrf });
    expect(again.setCookies).toEqual([]);
    expect(await site.client().fetchCsrf()).not.toBe(csrf);
  });

  it("signs the cookie with cookie.key when configured", async () => {
    const site = await startSite({ memorySessions: true, config: { cookie: { key: "my-own-key" } } });
    const reply = await send(site.sheaf, "GET", "/api/auth/csrf");
    const [, hmac, token] = SESSION_COOKIE.exec(reply.setCookies[0]!)!;
    expect(hmac).toBe(hmacSha1(token!, "my-own-key"));
  });

  it("marks the cookie secure when the base URL is https", async () => {
    const site = await startSite({ memorySessions: true, config: { url: "https://example.com" } });
    const reply = await send(site.sheaf, "GET", "/api/auth/csrf");
    expect(reply.setCookies[0]).toMatch(/; path=\/; secure; HttpOnly; SameSite=Lax$/);
  });

  it("sets the cookie path from the url option and path=/ with a cookie domain", async () => {
    const sub = await startSite({ memorySessions: true, config: { url: "https://example.com/sub" } });
    expect((await send(sub.sheaf, "GET", "/api/auth/csrf")).setCookies[0]).toMatch(
      /; path=\/sub\/; secure; HttpOnly; SameSite=Lax$/,
    );
    const domain = await startSite({
      memorySessions: true,
      config: { url: "https://example.com/sub", session: { cookieDomain: "example.com" } },
    });
    expect((await send(domain.sheaf, "GET", "/api/auth/csrf")).setCookies[0]).toMatch(
      /; path=\/; domain=example\.com; secure; HttpOnly; SameSite=Lax$/,
    );
  });

  it("uses session.cookieName for sending and reading the cookie", async () => {
    const site = await startSite({ memorySessions: true, config: { session: { cookieName: "my_session" } } });
    const csrf = await send(site.sheaf, "GET", "/api/auth/csrf");
    expect(csrf.setCookies[0]).toMatch(/^my_session=[0-9a-f]{40}%2B/);
    const cookie = cookiePair(csrf.setCookies[0]!);
    const token = (csrf.body as { csrf: string }).csrf;
    const login = await send(site.sheaf, "POST", "/api/auth/login", {
      headers: { cookie, "x-csrf": token },
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
    });
    expect(login.status).toBe(200);
    const auth = await send(site.sheaf, "GET", "/api/auth", {
      headers: { cookie: cookiePair(login.setCookies[0]!), "x-csrf": token },
    });
    expect(auth.status).toBe(200);
    const wrongName = await send(site.sheaf, "GET", "/api/auth", {
      headers: { cookie: cookiePair(login.setCookies[0]!).replace("my_session=", "kirby_session="), "x-csrf": token },
    });
    expect(wrongName.status).toBe(401);
  });
});

describe("login, CSRF on every request, logout", () => {
  it("runs the whole session flow of a browser client", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    const csrf = await client.fetchCsrf();
    const anonymousCookie = client.cookie!;

    // login needs the CSRF token: 400, and the anonymous session stays as it was
    const noCsrf = await client.request("POST", "/api/auth/login", {
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
    });
    expect(noCsrf.status).toBe(400);
    expect(noCsrf.body).toEqual(INVALID_CSRF);
    expect(noCsrf.setCookies).toEqual([]);

    const login = await client.login(ADMIN);
    expect(login.status).toBe(200);
    expect(login.body).toEqual(await loginOkBody());
    expect(Object.keys((login.body as { user: object }).user)).toEqual([
      "avatar",
      "email",
      "id",
      "language",
      "name",
      "permissions",
      "role",
    ]);
    expect(login.headers["cache-control"]).toBe("no-store, private");
    expect(login.setCookies).toHaveLength(1);
    expect(login.setCookies[0]).toMatch(SESSION_COOKIE);
    expect(maxAgeOf(login.setCookies[0]!)).toBeGreaterThanOrEqual(7199);
    const sessionCookie = client.cookie!;
    expect(sessionCookie).not.toBe(anonymousCookie);

    // every authenticated request needs the token, by header or query
    const viaHeader = await client.get("/api/auth");
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({
      code: 200,
      status: "ok",
      type: "model",
      data: { email: ADMIN.email, id: ADMIN.id },
    });
    expect(Object.keys(dataOf(viaHeader))).toEqual([
      "avatar",
      "email",
      "id",
      "language",
      "name",
      "permissions",
      "role",
    ]);
    expect(viaHeader.setCookies).toEqual([]);
    expect((await client.request("GET", `/api/pages/notes?csrf=${csrf}`)).status).toBe(200);

    for (const [label, headers, query] of [
      ["no token", {}, ""],
      ["wrong token", { "x-csrf": "f".repeat(64) }, ""],
      ["empty header", { "x-csrf": "" }, ""],
      ["empty header beats a right query", { "x-csrf": "" }, `?csrf=${csrf}`],
      ["upper-cased token", { "x-csrf": csrf.toUpperCase() }, ""],
      ["empty query", {}, "?csrf="],
    ] as const) {
      const reply = await client.request("GET", `/api/pages/notes${query}`, { headers });
      expect(reply.status, label).toBe(401);
      expect(reply.body, label).toEqual(UNAUTHENTICATED);
      expect(reply.setCookies, label).toEqual([]);
    }

    // the pre-login cookie died with the login
    const oldCookie = await send(site.sheaf, "GET", "/api/auth", {
      headers: { cookie: anonymousCookie, "x-csrf": csrf },
    });
    expect(oldCookie.status).toBe(401);
    expect(oldCookie.setCookies).toEqual([]);

    // logout needs no CSRF, keeps the CSRF token and issues a new cookie
    const logout = await client.request("POST", "/api/auth/logout");
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual(OK);
    expect(logout.setCookies).toHaveLength(1);
    expect(logout.setCookies[0]).toMatch(SESSION_COOKIE);
    expect(client.cookie).not.toBe(sessionCookie);

    const deadCookie = await send(site.sheaf, "GET", "/api/auth", {
      headers: { cookie: sessionCookie, "x-csrf": csrf },
    });
    expect(deadCookie.status).toBe(401);
    expect(deadCookie.body).toEqual(UNAUTHENTICATED);
    expect((await client.get("/api/auth")).status).toBe(401);

    const again = await client.login(ADMIN);
    expect(again.status).toBe(200);
    expect((await client.get("/api/auth")).status).toBe(200);
  });

  it("answers logout with ok for a dead cookie and for no session, setting no cookie", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const cookie = client.cookie!;
    await client.request("POST", "/api/auth/logout");
    const dead = await send(site.sheaf, "POST", "/api/auth/logout", { headers: { cookie } });
    expect(dead.status).toBe(200);
    expect(dead.body).toEqual(OK);
    const none = await send(site.sheaf, "POST", "/api/auth/logout");
    expect(none.body).toEqual(OK);
    expect(none.setCookies).toEqual([]);
  });

  it("refuses login without any session: 400 Invalid CSRF token and no cookie", async () => {
    const site = await startSite({ memorySessions: true });
    const reply = await send(site.sheaf, "POST", "/api/auth/login", {
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
      headers: { "x-csrf": "a".repeat(64) },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(INVALID_CSRF);
    expect(reply.setCookies).toEqual([]);
    expect(site.sessionStore!.size).toBe(0);
  });

  it("refuses the CSRF token of another session", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const otherCsrf = await site.client().fetchCsrf();
    expect((await client.request("GET", "/api/auth", { headers: { "x-csrf": otherCsrf } })).status).toBe(401);
  });

  it("destroys a session that logout leaves empty and removes the cookie", async () => {
    // a login with Basic auth runs no CSRF check, so the session holds nothing but the login
    const site = await startSite({ memorySessions: true, config: { api: { basicAuth: true, allowInsecure: true } } });
    const login = await send(site.sheaf, "POST", "/api/auth/login", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
    });
    expect(login.status).toBe(200);
    const cookie = cookiePair(login.setCookies.at(-1)!);
    expect(site.sessionStore!.size).toBe(1);
    const logout = await send(site.sheaf, "POST", "/api/auth/logout", { headers: { cookie } });
    expect(logout.body).toEqual(OK);
    expect(logout.setCookies).toEqual([
      "kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly; SameSite=Lax",
    ]);
    expect(site.sessionStore!.size).toBe(0);
  });

  it("with api.csrf set, a session login still keeps a CSRF token, so logout renews the session (docs/kirby-compat/auth-and-sessions.md)", async () => {
    const site = await startSite({ memorySessions: true, config: { api: { csrf: "option-csrf" } } });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const cookie = client.cookie!;
    const logout = await client.request("POST", "/api/auth/logout");
    expect(logout.body).toEqual(OK);
    expect(logout.setCookies).toHaveLength(1);
    expect(logout.setCookies[0]).toMatch(SESSION_COOKIE);
    // the old token forwards to the anonymous session: no user
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: { cookie, "x-csrf": "option-csrf" } })).status).toBe(
      401,
    );
    expect(
      (
        await send(site.sheaf, "GET", "/api/auth", {
          headers: { cookie: cookiePair(logout.setCookies[0]!), "x-csrf": "option-csrf" },
        })
      ).status,
    ).toBe(401);
  });

  it("lets the first cookie of a long login forward to the final session, without sending a cookie again", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    const login = await client.login(ADMIN, { long: true });
    expect(login.setCookies).toHaveLength(2);
    const first = cookiePair(login.setCookies[0]!);
    const reply = await send(site.sheaf, "GET", "/api/auth", { headers: { cookie: first, "x-csrf": client.csrf! } });
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["id"]).toBe(ADMIN.id);
    expect(reply.setCookies).toEqual([]);
  });

  it("after logout the old cookie forwards to the anonymous session: no user, but its CSRF token still logs in", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const loggedIn = client.cookie!;
    await client.request("POST", "/api/auth/logout");
    const headers = { cookie: loggedIn, "x-csrf": client.csrf! };
    const anonymous = await send(site.sheaf, "GET", "/api/auth", { headers });
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    expect(anonymous.setCookies).toEqual([]);
    const again = await send(site.sheaf, "POST", "/api/auth/login", {
      headers,
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
    });
    expect(again.status).toBe(200);
    expect(again.setCookies).toHaveLength(1);
  });

  it("never shortens a long session: a later normal login keeps the 14 days", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN, { long: true });
    await client.request("POST", "/api/auth/logout");
    const normal = await client.login(ADMIN, { long: false });
    expect(normal.status).toBe(200);
    expect(normal.setCookies).toHaveLength(1);
    expect(maxAgeOf(normal.setCookies[0]!)).toBeGreaterThan(1_000_000);
  });

  it("ignores a cookie with a wrong or missing HMAC and accepts a literal +", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const token = tokenOf(client.cookie!);
    const headers = (cookie: string) => ({ cookie, "x-csrf": client.csrf! });
    const wrongHmac = await send(site.sheaf, "GET", "/api/auth", {
      headers: headers(`kirby_session=${"0".repeat(40)}%2B${token}`),
    });
    expect(wrongHmac.status).toBe(401);
    expect(wrongHmac.setCookies).toEqual([]);
    expect((await send(site.sheaf, "GET", "/api/auth", { headers: headers(`kirby_session=${token}`) })).status).toBe(
      401,
    );
    expect(
      (await send(site.sheaf, "GET", "/api/auth", { headers: headers(`kirby_session=${hmacSha1(token)}+${token}`) }))
        .status,
    ).toBe(200);
  });

  it("accepts the session in Authorization: Session <token> with that session's CSRF token, never falling back to the cookie", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const token = tokenOf(client.cookie!);
    const viaHeader = await send(site.sheaf, "GET", "/api/pages/notes?select=id", {
      headers: { authorization: `Session ${token}`, "x-csrf": client.csrf! },
    });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toEqual({ code: 200, data: { id: "notes" }, status: "ok", type: "model" });
    expect(viaHeader.setCookies).toEqual([]);
    expect(
      (await send(site.sheaf, "GET", "/api/pages/notes", { headers: { authorization: `Session ${token}` } })).status,
    ).toBe(401);
    // an invalid header token means no session, even with a valid cookie (row 32)
    const invalidHeader = await send(site.sheaf, "GET", "/api/pages/notes", {
      // a different last character, so the token is certainly not the real one
      headers: {
        authorization: `Session ${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`,
        cookie: client.cookie!,
        "x-csrf": client.csrf!,
      },
    });
    expect(invalidHeader.status).toBe(401);
  });

  it("uses the fixed api.csrf token instead of the session's (row 5)", async () => {
    const site = await startSite({ memorySessions: true, config: { api: { csrf: "option-csrf" } } });
    const client = site.client();
    expect(await client.fetchCsrf()).toBe("option-csrf");
    await client.loginOrThrow(ADMIN);
    expect((await client.request("GET", "/api/auth", { headers: { "x-csrf": "option-csrf" } })).status).toBe(200);
    const sessionTokenCsrf = await site.client().fetchCsrf();
    expect(sessionTokenCsrf).toBe("option-csrf");
  });

  it("expects the token dev when panel.dev is on (row 6)", async () => {
    const site = await startSite({ memorySessions: true, config: { panel: { dev: true } } });
    const client = site.client();
    expect(await client.fetchCsrf()).toBe("dev");
    await client.loginOrThrow(ADMIN);
    expect((await client.get("/api/auth")).status).toBe(200);
    expect((await client.request("GET", "/api/auth", { headers: { "x-csrf": "nope" } })).status).toBe(401);
  });
});

describe("login variants", () => {
  it("long login sends two cookies of 14 days, the last one is the session (row 17)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    const login = await client.login(ADMIN, { long: true });
    expect(login.status).toBe(200);
    expect(login.setCookies).toHaveLength(2);
    for (const header of login.setCookies) {
      expect(header).toMatch(SESSION_COOKIE);
      expect(maxAgeOf(header)).toBeGreaterThanOrEqual(1_209_599);
      expect(maxAgeOf(header)).toBeLessThanOrEqual(1_209_600);
    }
    expect(cookiePair(login.setCookies[1]!)).toBe(client.cookie);
    const auth = await client.get("/api/auth");
    expect(auth.status).toBe(200);
    expect(dataOf(auth)["email"]).toBe(ADMIN.email);
  });

  it('reads long with PHP truthiness: "yes" is long, form "0" is not', async () => {
    const site = await startSite({ memorySessions: true });
    const yes = site.client();
    await yes.fetchCsrf();
    const long = await yes.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, password: ADMIN.password, long: "yes" },
    });
    expect(long.setCookies.map(maxAgeOf)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(maxAgeOf(long.setCookies[0]!)).toBeGreaterThan(1_000_000);

    const zero = site.client();
    await zero.fetchCsrf();
    const normal = await zero.request("POST", "/api/auth/login", {
      withCsrf: true,
      form: { email: ADMIN.email, password: ADMIN.password, long: "0" },
    });
    expect(normal.status).toBe(200);
    expect(normal.setCookies).toHaveLength(1);
    expect(maxAgeOf(normal.setCookies[0]!)).toBeLessThanOrEqual(7200);
  });

  it("answers null or structured email/long with 400 and logs nobody in (deviation x-auth-body-wrong-type-400)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const invalidArgument = {
      status: "error",
      message: expect.any(String),
      code: 400,
      key: "error.invalidArgument",
      details: [],
    };
    for (const body of [
      { email: ADMIN.email, password: ADMIN.password, long: null },
      { email: ADMIN.email, password: ADMIN.password, long: [] },
      { email: ADMIN.email, password: ADMIN.password, long: {} },
      { email: null, password: ADMIN.password, long: false },
    ]) {
      const reply = await client.request("POST", "/api/auth/login", { withCsrf: true, json: body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body, JSON.stringify(body)).toEqual(invalidArgument);
    }
    expect((await client.get("/api/auth")).status).toBe(401);
    // the check of the enabled methods comes first, as in Kirby
    const noPassword = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, long: null },
    });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toMatchObject({ message: "Login without password is not enabled" });
  });

  it("treats a missing long as false (deviation c)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toHaveLength(1);
    expect(maxAgeOf(reply.setCookies[0]!)).toBeLessThanOrEqual(7200);
  });

  it("accepts mixed-case body keys (row 20)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { EMAIL: ADMIN.email, Password: ADMIN.password, LONG: false },
    });
    expect(reply.status).toBe(200);
  });

  it("does not read JSON sent as a form: Login without password is not enabled (row 19)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      raw: {
        body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password, long: false }),
        contentType: "application/x-www-form-urlencoded",
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      status: "error",
      message: "Login without password is not enabled",
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
  });

  it("refuses a body that is not JSON with 400 Invalid JSON in request body", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      raw: { body: "{email=x", contentType: "application/json" },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      status: "error",
      message: "Invalid JSON in request body",
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
  });

  it("masks wrong passwords and unknown users as Invalid login", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    for (const account of [
      { email: ADMIN.email, password: "wrong-password" },
      { email: "lisa@simpsons.com", password: "whatever-password" },
      { email: ADMIN.email, password: "short" },
    ]) {
      const reply = await client.login(account);
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(INVALID_LOGIN);
      expect(reply.setCookies).toEqual([]);
    }
  });

  it("shows the original errors with auth.debug: true (row 11)", async () => {
    const site = await startSite({ memorySessions: true, config: { auth: { debug: true } } });
    const unknown = await site.client().login({ email: "lisa@simpsons.com", password: "whatever-password" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      message: 'The user "lisa@simpsons.com" cannot be found',
      key: "error.user.notFound",
    });
    const wrong = await site.client().login({ email: ADMIN.email, password: "wrong-password" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ message: "Wrong password", key: "error.user.password.wrong" });
  });

  it("lets a user without panel access log in, then refuses protected routes with 401 access.panel", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    const login = await client.login(NOACCESS);
    expect(login.status).toBe(200);
    const auth = await client.get("/api/auth");
    expect(auth.status).toBe(401);
    expect(auth.body).toEqual(NO_PANEL_ACCESS);
    expect((await client.get("/api/site")).body).toEqual(NO_PANEL_ACCESS);
    const system = await client.get("/api/system");
    expect(system.status).toBe(200);
  });
});

describe("Basic authentication (docs/kirby-compat/auth-and-sessions.md)", () => {
  const allowInsecure = { api: { basicAuth: true, allowInsecure: true } };

  it("ignores a Basic header while api.basicAuth is off (row 23)", async () => {
    const site = await startSite({ memorySessions: true });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(UNAUTHENTICATED);
  });

  it("refuses Basic over plain HTTP without allowInsecure (row 24)", async () => {
    const site = await startSite({ memorySessions: true, config: { api: { basicAuth: true } } });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      status: "error",
      message: "Basic authentication is only allowed over HTTPS",
      code: 403,
      key: "error.permission",
      details: [],
    });
  });

  it("answers with Kirby's empty details in debug mode too", async () => {
    const site = await startSite({ memorySessions: true, config: { debug: true, api: { basicAuth: true } } });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      message: "Basic authentication is only allowed over HTTPS",
      key: "error.permission",
      details: [],
    });
  });

  it("still refuses it with X-Forwarded-Proto: https when no url is configured (row 25)", async () => {
    const site = await startSite({ memorySessions: true, config: { api: { basicAuth: true } } });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password), "x-forwarded-proto": "https" },
    });
    expect(reply.status).toBe(403);
  });

  it('allows it behind an HTTPS proxy with url "*", and URLs become https (row 26)', async () => {
    const site = await startSite({ memorySessions: true, config: { url: "*", api: { basicAuth: true } } });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: {
        authorization: basic(ADMIN.email, ADMIN.password),
        "x-forwarded-proto": "https",
        host: "cms.example.com",
      },
    });
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["url"]).toBe("https://cms.example.com");
  });

  it("allows it when the url option is https, even over plain HTTP (row 27)", async () => {
    const site = await startSite({
      memorySessions: true,
      config: { url: "https://example.com", api: { basicAuth: true } },
    });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["url"]).toBe("https://example.com");
  });

  it("authenticates with allowInsecure without CSRF, and creates no session", async () => {
    const site = await startSite({ config: allowInsecure });
    const reply = await send(site.sheaf, "GET", "/api/auth", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["email"]).toBe(ADMIN.email);
    expect(reply.setCookies).toEqual([]);
    expect(reply.headers["cache-control"]).toBe("no-store, private");
    expect(await listFolder(path.join(site.root, "site", "sessions"))).toBeNull();
  });

  it("accepts the scheme in any case and the user id as user name", async () => {
    const site = await startSite({ memorySessions: true, config: allowInsecure });
    const credentials = Buffer.from(`${ADMIN.id}:${ADMIN.password}`).toString("base64");
    const reply = await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: `bAsIc ${credentials}` } });
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["id"]).toBe(ADMIN.id);
  });

  it("answers wrong Basic credentials with Invalid login and counts the failure (row 28)", async () => {
    const site = await startSite({ config: allowInsecure });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, "wrong-password") },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(INVALID_LOGIN);
    const logins = await readJsonFile<Record<string, Record<string, { trials: number }>>>(
      path.join(site.root, "site", "accounts", ".logins"),
    );
    expect(logins["by-ip"]?.[LOCALHOST_IP_HASH]?.trials).toBe(1);
    expect(logins["by-email"]?.[ADMIN.email]?.trials).toBe(1);
  });

  it("answers credentials without a colon with Invalid login", async () => {
    const site = await startSite({ memorySessions: true, config: allowInsecure });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: `Basic ${Buffer.from("no-colon-here").toString("base64")}` },
    });
    expect(reply.body).toEqual(INVALID_LOGIN);
  });

  it("refuses Basic with 2FA (row 30) and without the password method", async () => {
    const twoFactor = await startSite({
      memorySessions: true,
      config: { ...allowInsecure, auth: { methods: { password: { "2fa": true } } } },
    });
    const refused = await send(twoFactor.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      status: "error",
      message: "Basic authentication cannot be used with 2FA",
      code: 403,
      key: "error.permission",
      details: [],
    });

    const codeOnly = await startSite({
      memorySessions: true,
      config: { ...allowInsecure, auth: { methods: ["code"] } },
    });
    const noPassword = await send(codeOnly.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(ADMIN.email, ADMIN.password) },
    });
    expect(noPassword.status).toBe(403);
    expect(noPassword.body).toMatchObject({ message: "Login with password is not enabled", key: "error.permission" });
  });

  it("skips the login route's CSRF check for a request with a Basic header (docs/kirby-compat/auth-and-sessions.md)", async () => {
    const site = await startSite({ memorySessions: true, config: allowInsecure });
    const reply = await send(site.sheaf, "POST", "/api/auth/login", {
      headers: { authorization: basic("any@example.com", "any-password") },
      json: { email: ADMIN.email, password: ADMIN.password, long: false },
    });
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toHaveLength(1);
    expect(reply.setCookies[0]).toMatch(SESSION_COOKIE);
  });

  it("refuses a user without panel access with 401 access.panel (row 29)", async () => {
    const site = await startSite({ memorySessions: true, config: allowInsecure });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { authorization: basic(NOACCESS.email, NOACCESS.password) },
    });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(NO_PANEL_ACCESS);
  });
});

describe("brute-force throttling (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("blocks the IP after 10 failures, even for the right password and for other users, without counting blocked attempts", async () => {
    const site = await startSite({ memorySessions: true });
    const loginsFile = path.join(site.root, "site", "accounts", ".logins");
    const editor = site.client();
    await editor.loginOrThrow(EDITOR);

    const attacker = site.client();
    for (let i = 1; i <= 10; i++) {
      const reply = await attacker.login({ email: ADMIN.email, password: `wrong-${i}` });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(INVALID_LOGIN);
    }
    const logins = await readJsonFile<Record<string, Record<string, { time: number; trials: number }>>>(loginsFile);
    expect(Object.keys(logins)).toEqual(["by-ip", "by-email"]);
    expect(logins["by-ip"]?.[LOCALHOST_IP_HASH]?.trials).toBe(10);
    expect(logins["by-email"]?.[ADMIN.email]?.trials).toBe(10);
    const before = await readFile(loginsFile, "utf8");
    expect(before).not.toContain("\n");

    const owner = await attacker.login(ADMIN);
    expect(owner.status).toBe(403);
    expect(owner.body).toEqual(INVALID_LOGIN);
    const other = await attacker.login(EDITOR);
    expect(other.body).toEqual(INVALID_LOGIN);
    const unknown = await attacker.login({ email: "nobody@example.com", password: "whatever-password" });
    expect(unknown.body).toEqual(INVALID_LOGIN);
    expect(await readFile(loginsFile, "utf8")).toBe(before);

    // a session opened before the attack keeps working
    expect((await editor.get("/api/auth")).status).toBe(200);
  });

  it("says Rate limit exceeded with auth.debug: true", async () => {
    const site = await startSite({ memorySessions: true, config: { auth: { debug: true, trials: 2 } } });
    const client = site.client();
    await client.login({ email: ADMIN.email, password: "wrong-1-password" });
    await client.login({ email: ADMIN.email, password: "wrong-2-password" });
    const blocked = await client.login(ADMIN);
    expect(blocked.status).toBe(403);
    expect(blocked.body).toEqual({
      status: "error",
      message: "Rate limit exceeded",
      code: 403,
      key: "error.permission",
      details: { reason: "rate-limited" },
    });
  });

  it("does not reset the counters on a successful login", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.login({ email: ADMIN.email, password: "wrong-password" });
    await client.loginOrThrow(ADMIN);
    const logins = await readJsonFile<Record<string, Record<string, { trials: number }>>>(
      path.join(site.root, "site", "accounts", ".logins"),
    );
    expect(logins["by-ip"]?.[LOCALHOST_IP_HASH]?.trials).toBe(1);
  });
});

describe("password change on disk (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("logs out sessions that started before the .htpasswd was modified, and clears their login", async () => {
    const site = await startSite({ memorySessions: true });
    const admin = site.client();
    await admin.loginOrThrow(ADMIN);
    const editor = site.client();
    await editor.loginOrThrow(EDITOR);
    expect((await admin.get("/api/auth")).status).toBe(200);

    const secrets = path.join(site.root, "site", "accounts", ADMIN.id, ".htpasswd");
    const later = Math.floor(Date.now() / 1000) + 10;
    await utimes(secrets, later, later);
    await site.sheaf.accounts.refresh(ADMIN.id);

    const after = await admin.get("/api/auth");
    expect(after.status).toBe(401);
    expect(after.body).toEqual(UNAUTHENTICATED);
    expect((await editor.get("/api/auth")).status).toBe(200);

    // the login was removed from the session: an older mtime does not bring it back
    const earlier = Math.floor(Date.now() / 1000) - 1000;
    await utimes(secrets, earlier, earlier);
    await site.sheaf.accounts.refresh(ADMIN.id);
    expect((await admin.get("/api/auth")).status).toBe(401);
    // but the CSRF token is still the session's
    expect((await admin.login(ADMIN)).status).toBe(200);
  });
});

describe("password timestamp resolution (docs/kirby-compat/auth-and-sessions.md: strict <, whole seconds)", () => {
  it("keeps a session whose login second equals the .htpasswd mtime and drops it one second later", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const token = tokenOf(client.cookie!);
    const session = await site.sheaf.sessions.load(token, "cookie");
    const loginTime = session?.get("kirby.loginTimestamp");
    expect(loginTime).toEqual(expect.any(Number));
    expect(session?.get("kirby.userId")).toBe(ADMIN.id);

    const secrets = path.join(site.root, "site", "accounts", ADMIN.id, ".htpasswd");
    await utimes(secrets, loginTime as number, loginTime as number);
    await site.sheaf.accounts.refresh(ADMIN.id);
    expect((await client.get("/api/auth")).status).toBe(200);

    await utimes(secrets, (loginTime as number) + 1, (loginTime as number) + 1);
    await site.sheaf.accounts.refresh(ADMIN.id);
    expect((await client.get("/api/auth")).status).toBe(401);
  });
});

describe("anonymous requests leave no trace (deviation b)", () => {
  it("writes nothing to site/sessions and sets no cookie", async () => {
    const site = await startSite({ config: { api: { basicAuth: false } } });
    const sessions = path.join(site.root, "site", "sessions");
    const replies: Array<[string, Reply]> = [];
    const record = async (label: string, reply: Promise<Reply>): Promise<void> => {
      replies.push([label, await reply]);
    };
    await record("GET site", send(site.sheaf, "GET", "/api/site"));
    await record("GET users", send(site.sheaf, "GET", "/api/users"));
    await record(
      "GET auth with X-CSRF",
      send(site.sheaf, "GET", "/api/auth", { headers: { "x-csrf": "a".repeat(64) } }),
    );
    await record("GET pages with ?csrf", send(site.sheaf, "GET", "/api/pages/notes?csrf=abc"));
    await record(
      "login without CSRF",
      send(site.sheaf, "POST", "/api/auth/login", {
        json: { email: ADMIN.email, password: ADMIN.password, long: false },
      }),
    );
    await record(
      "garbage cookie",
      send(site.sheaf, "GET", "/api/site", { headers: { cookie: "kirby_session=garbage", "x-csrf": "x" } }),
    );
    await record(
      "forged cookie",
      send(site.sheaf, "GET", "/api/site", {
        headers: {
          cookie: `kirby_session=${hmacSha1(`9999999999.${"a".repeat(20)}.${"b".repeat(64)}`)}%2B9999999999.${"a".repeat(20)}.${"b".repeat(64)}`,
        },
      }),
    );
    await record(
      "Basic while off",
      send(site.sheaf, "GET", "/api/site", { headers: { authorization: basic(ADMIN.email, ADMIN.password) } }),
    );
    await record(
      "Session header",
      send(site.sheaf, "GET", "/api/site", { headers: { authorization: "Session nonsense" } }),
    );
    await record("unknown route", send(site.sheaf, "GET", "/api/nope"));
    await record("logout", send(site.sheaf, "POST", "/api/auth/logout"));
    await record("ping", send(site.sheaf, "POST", "/api/auth/ping"));
    await record("system", send(site.sheaf, "GET", "/api/system"));
    await record("frontend", send(site.sheaf, "GET", "/"));

    for (const [label, reply] of replies) expect(reply.setCookies, label).toEqual([]);
    expect(replies.find(([label]) => label === "GET site")?.[1].status).toBe(401);
    expect(replies.find(([label]) => label === "system")?.[1].status).toBe(200);
    const files = await listFolder(sessions);
    expect(files === null || files.length === 0).toBe(true);
  });

  it("answers an anonymous protected route with 401, private, no cookie (row 7 as decided)", async () => {
    const site = await startSite({ memorySessions: true });
    const reply = await send(site.sheaf, "GET", "/api/site");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(UNAUTHENTICATED);
    expect(reply.headers["cache-control"]).toBe("no-store, private");
    expect(site.sessionStore!.size).toBe(0);
  });

  // A short timeout: with the file store a deadlock would otherwise hold the suite for the default 30 s.
  it("stores sessions as <expiry>.<id>.sess files once a session is opened", { timeout: 10_000 }, async () => {
    const site = await startSite();
    const client = site.client();
    await client.loginOrThrow(ADMIN);
    const token = tokenOf(client.cookie!);
    const files = await listFolder(path.join(site.root, "site", "sessions"));
    const expected = `${token.split(".").slice(0, 2).join(".")}.sess`;
    expect(files).toContain(expected);
    const stored = await readFile(path.join(site.root, "site", "sessions", expected), "utf8");
    expect(stored).not.toContain(token.split(".")[2]);
  });
});
