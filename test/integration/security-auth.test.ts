import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryMailer, type MailMessage } from "../../src/mail/mailer.js";
import { MemoryThrottleStore } from "../../src/auth/index.js";
import { totpCode } from "../../src/auth/challenges/totp.js";
import { safeValue } from "../../src/log/safe-value.js";
import { verifiedCookieMemo } from "../../src/session/cookie.js";
import {
  ADMIN,
  EDITOR,
  auditWritten,
  basicAuth,
  bearer,
  cleanUp,
  cookiePair,
  copySite,
  createToken,
  giveTotpSecret,
  hmacSha1,
  injectFrom,
  send,
  startSite,
  tokenOf,
  type TestSite,
  type Client,
  type Reply,
} from "./helpers.js";

afterEach(async () => {
  vi.useRealTimers();
  await cleanUp();
});

const INVALID_ARGUMENT = {
  status: "error",
  message: expect.any(String),
  code: 400,
  key: "error.invalidArgument",
  details: [],
};

async function sessionFiles(root: string): Promise<string[]> {
  return (await readdir(path.join(root, "site/sessions")).catch(() => [] as string[])).filter((name) =>
    name.endsWith(".sess"),
  );
}

describe("wrong JSON types on auth bodies (x-auth-body-wrong-type-400)", () => {
  it("wrong-typed login fields: 400 invalidArgument, no session change, no trial, no login", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const cookieBefore = client.cookie;
    const bodies: unknown[] = [
      { email: [ADMIN.email], password: ADMIN.password, long: false },
      { email: null, password: ADMIN.password, long: false },
      { email: { toString: ADMIN.email }, password: ADMIN.password, long: false },
      { email: ADMIN.email, password: [ADMIN.password], long: false },
      { email: ADMIN.email, password: { value: ADMIN.password }, long: false },
      { email: ADMIN.email, password: ADMIN.password, long: null },
      { email: ADMIN.email, password: ADMIN.password, long: [] },
      { email: ADMIN.email, password: ADMIN.password, long: { yes: true } },
    ];
    // more than auth.trials (10) attempts: had any counted, the right password would be blocked afterwards
    for (let round = 0; round < 2; round++) {
      for (const body of bodies) {
        const reply = await client.request("POST", "/api/auth/login", { withCsrf: true, json: body });
        expect(reply.status, JSON.stringify(body)).toBe(400);
        expect(reply.body, JSON.stringify(body)).toEqual(INVALID_ARGUMENT);
        expect(reply.setCookies, JSON.stringify(body)).toEqual([]);
      }
    }
    const form = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      raw: {
        body: `email%5B%5D=${encodeURIComponent(ADMIN.email)}&password=${encodeURIComponent(ADMIN.password)}`,
        contentType: "application/x-www-form-urlencoded",
      },
    });
    expect(form.status).toBe(400);
    expect((form.body as { message: string }).message).toBe('The "email" field must be a string, not a list');
    expect(client.cookie).toBe(cookieBefore);
    expect((await client.get("/api/auth")).status).toBe(401);
    expect((await client.login(ADMIN)).status).toBe(200);
  });

  it("wrong-typed auth/code: 400 and the pending challenge survives", async () => {
    const site = await startSite({ memorySessions: true, config: { auth: { methods: ["code"] } } });
    const client = site.client();
    await client.fetchCsrf();
    const started = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, long: false },
    });
    expect(started.body).toMatchObject({ challenge: "email" });
    for (const code of [null, ["123456"], { code: "123456" }]) {
      const reply = await client.request("POST", "/api/auth/code", { withCsrf: true, json: { code } });
      expect(reply.status, JSON.stringify(code)).toBe(400);
      expect(reply.body).toEqual(INVALID_ARGUMENT);
    }
    const status = await client.get("/api/system");
    expect(JSON.stringify(status.body)).toContain('"status":"pending"');
  });

  it("coercible types keep Kirby's answers: a boolean password is a failed login", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, password: true, long: false },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ key: "error.access.login" });
  });

  it("a 15 MB xn-- e-mail or password is refused before any work", async () => {
    // bodies up to 32 MB, so that the field caps, not the body limit (a 413 by default), meet the huge values
    const site = await startSite({ extra: { configOverrides: { "api.maxBodySize": 32 * 1024 * 1024 } } });
    const client = site.client();
    await client.fetchCsrf();
    const hugeEmail = `a@xn--${"a".repeat(15_000_000)}.com`;
    // the cost of carrying and parsing a body of the same size, refused without looking at the big value
    let started = performance.now();
    await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: "not-an-email", password: "whatever-password", long: false, padding: "p".repeat(15_000_000) },
    });
    const baselineMs = performance.now() - started;
    started = performance.now();
    const email = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: hugeEmail, password: "whatever-password", long: false },
    });
    const password = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, password: "p".repeat(15_000_000), long: false },
    });
    expect(email.status).toBe(400);
    expect(email.body).toEqual(INVALID_ARGUMENT);
    expect(password.status).toBe(400);
    expect(password.body).toEqual(INVALID_ARGUMENT);
    // two requests of the same size: decoding or hashing the 15 M characters would cost seconds more
    expect(performance.now() - started).toBeLessThan(baselineMs * 4 + 1000);
    // nothing counted: the right password still works at once
    expect((await client.login(ADMIN)).status).toBe(200);
    expect(await sessionFiles(site.root)).toHaveLength(1);
  });
});

describe("log injection through failed logins", () => {
  it("a forged log line, ANSI escapes and an 8 MB user name reach stderr and the audit log escaped and cut", async () => {
    const lines: string[] = [];
    const site = await startSite({
      config: { api: { basicAuth: true, allowInsecure: true } },
      extra: { log: (message: string) => lines.push(message) },
    });
    const client = site.client();
    await client.fetchCsrf();
    const forged = 'x@example.com"\r\n{"event":"login.success","actor":{"id":"admin001"}}\u001b[2J\u2028';
    const secret = "Sup3r-Secret-Typed-Password";
    const login = await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: forged, password: secret, long: false },
    });
    expect(login.status).toBe(403);
    const huge = "u".repeat(8 * 1024 * 1024);
    const basic = await send(site.sheaf, "GET", "/api/site", { headers: { authorization: basicAuth(huge, secret) } });
    expect(basic.status).toBe(403);
    await auditWritten(site);

    // the operator's log is JSON lines: the values inside each message are escaped once more by JSON
    const messages = lines.map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
    const stderr = messages.join("\n");
    expect(
      messages.every((line) => !/[\r\n\u001b\u2028]/.test(line)),
      stderr,
    ).toBe(true);
    expect(stderr).toContain("\\r\\n{");
    expect(stderr).toContain("\\u001b[2J");
    expect(stderr).not.toContain(secret);
    expect(Math.max(...messages.map((line) => line.length))).toBeLessThan(2000);

    const auditText = await readFile(path.join(site.root, "site/logs/auth.log"), "utf8");
    expect(auditText).not.toContain(secret);
    expect(auditText.length).toBeLessThan(4000);
    const entries = auditText
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { details?: { email?: string } });
    const emails = entries.map((entry) => entry.details?.email ?? "");
    expect(emails[0]).toBe(safeValue(forged.toLowerCase()));
    expect(emails[0]).not.toMatch(/[\r\n\u001b\u2028]/);
    expect(emails[1]).toMatch(/…\[cut \d+ chars\]$/);
  });
});

describe("guessing the current password through a password change", () => {
  const NEW_PASSWORD = "Brand-New-Pass-42";

  async function changeOwnPassword(client: Client, currentPassword: string): Promise<Reply> {
    return client.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { currentPassword, password: NEW_PASSWORD },
    });
  }

  it("a stolen session trying current passwords is throttled like a login and audited", async () => {
    const site = await startSite();
    const htpasswd = path.join(site.root, "site/accounts", ADMIN.id, ".htpasswd");
    const hashBefore = await readFile(htpasswd, "utf8");
    const client = await site.client().loginOrThrow(ADMIN);
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await changeOwnPassword(client, `Wrong-Guess-${attempt}`);
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ key: "error.user.password.wrong", message: "Wrong password" });
    }
    // the right password no longer helps until the window has passed
    const blocked = await changeOwnPassword(client, ADMIN.password);
    expect(blocked.status).toBe(403);
    expect(blocked.body).toMatchObject({ message: "Rate limit exceeded" });
    expect(await readFile(htpasswd, "utf8")).toBe(hashBefore);
    await auditWritten(site);
    const audit = await readFile(path.join(site.root, "site/logs/auth.log"), "utf8");
    const events = audit
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; details?: { reason?: string } });
    expect(
      events.filter(
        (entry) => entry.event === "login.failure" && entry.details?.reason === "error.user.password.wrong",
      ),
    ).toHaveLength(10);
    expect(events.some((entry) => entry.event === "login.blocked")).toBe(true);
  });

  it("an application password cannot change (or probe) its owner's password", async () => {
    const site = await startSite({ config: { api: { allowInsecure: true, basicAuth: true } } });
    const client = await site.client().loginOrThrow(ADMIN);
    const { token } = await createToken(client);
    for (const headers of [bearer(token), { authorization: basicAuth(ADMIN.email, token) }]) {
      const reply = await send(site.sheaf, "PATCH", "/api/account/password", {
        headers,
        json: { currentPassword: ADMIN.password, password: NEW_PASSWORD },
      });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ key: "error.permission" });
      const other = await send(site.sheaf, "PATCH", `/api/users/${EDITOR.id}/password`, {
        headers,
        json: { currentPassword: ADMIN.password, password: NEW_PASSWORD },
      });
      expect(other.status).toBe(403);
    }
    // Basic with the real password is the password itself: still allowed
    const basic = await send(site.sheaf, "PATCH", "/api/account/password", {
      headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
      json: { currentPassword: ADMIN.password, password: NEW_PASSWORD },
    });
    expect(basic.status).toBe(200);
  });
});

describe("anonymous requests write nothing to disk", () => {
  it("20,000 anonymous GET /api/auth/csrf leave no session file and a bounded memory", {
    timeout: 120_000,
  }, async () => {
    const site = await startSite();
    const sessions = site.sheaf.services.security.sessions;
    for (let i = 0; i < 20_000; i++) {
      const reply = await send(site.sheaf, "GET", "/api/auth/csrf");
      if (reply.status !== 200 || reply.setCookies.length !== 1)
        throw new Error(`call ${i}: ${reply.status} ${reply.text}`);
    }
    expect(await readdir(path.join(site.root, "site/sessions")).catch(() => [])).toEqual([]);
    expect(sessions.anonymous.size).toBeLessThanOrEqual(sessions.anonymous.maxEntries);
    expect(sessions.anonymous.heldChars).toBeLessThanOrEqual(sessions.anonymous.maxChars);
    expect(sessions.anonymous.size).toBeGreaterThan(0);
  });

  it("the anonymous session's token still works for the login, which then writes the session", async () => {
    const site = await startSite();
    const client = site.client();
    await client.fetchCsrf();
    expect(await sessionFiles(site.root)).toEqual([]);
    expect((await client.login(ADMIN)).status).toBe(200);
    expect(await sessionFiles(site.root)).toHaveLength(1);
    expect((await client.get("/api/auth")).status).toBe(200);
  });

  it("other anonymous paths (failed logins, ping, logout, system, site, a page) write no session file", async () => {
    const site = await startSite({ config: { api: { basicAuth: true, allowInsecure: true } } });
    const client = site.client();
    await client.fetchCsrf();
    await client.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: ADMIN.email, password: "wrong-password", long: false },
    });
    await send(site.sheaf, "POST", "/api/auth/login", {
      headers: { authorization: basicAuth(ADMIN.email, "wrong-password") },
      json: { email: ADMIN.email, password: "wrong-password", long: false },
    });
    await client.request("POST", "/api/auth/ping");
    await client.request("POST", "/api/auth/logout");
    await client.get("/api/system");
    await client.get("/api/site");
    await send(site.sheaf, "GET", "/api/site");
    await client.request("GET", "/");
    await client.request("GET", "/notes");
    expect(await sessionFiles(site.root)).toEqual([]);
  });
});

describe("memory pinned by signed cookies", () => {
  it("a validly signed kirby_session cookie over 512 characters is no session and is not remembered", async () => {
    const site = await startSite();
    const client = await site.client().loginOrThrow(ADMIN);
    const token = tokenOf(client.cookie!);
    // signed with the public default key: anyone can make such a cookie
    const padded = `${token}${"+".repeat(14 * 1024)}`;
    const huge = `kirby_session=${encodeURIComponent(`${hmacSha1(padded)}+${padded}`)}`;
    const before = verifiedCookieMemo.size;
    const reply = await send(site.sheaf, "GET", "/api/auth", { headers: { cookie: huge, "x-csrf": client.csrf! } });
    expect(reply.status).toBe(401);
    expect(verifiedCookieMemo.size).toBe(before);
    // Kirby's own cookie (about 140 characters) works as before
    expect(client.cookie!.length).toBeLessThan(200);
    expect((await client.get("/api/auth")).status).toBe(200);
  });
});

describe("GET /api/system and the CSRF token", () => {
  it("select=user without X-CSRF does not reveal who is logged in to the session", async () => {
    const site = await startSite();
    const client = await site.client().loginOrThrow(ADMIN);
    const crossSite = await send(site.sheaf, "GET", "/api/system?select=user,authStatus", {
      headers: { cookie: client.cookie! },
    });
    expect(crossSite.status).toBe(200);
    expect(crossSite.body).toMatchObject({ data: { user: null, authStatus: { status: "inactive", email: null } } });
    expect(crossSite.text).not.toContain(ADMIN.email);
    const wrongToken = await send(site.sheaf, "GET", "/api/system?select=user", {
      headers: { cookie: client.cookie!, "x-csrf": "f".repeat(64) },
    });
    expect(wrongToken.body).toMatchObject({ data: { user: null } });
    const withToken = await client.get("/api/system?select=user,authStatus");
    expect(withToken.body).toMatchObject({ data: { user: { email: ADMIN.email }, authStatus: { status: "active" } } });
  });
});

describe("the CSRF token in the query string (api.csrfQuery)", () => {
  for (const csrfQuery of [true, false]) {
    it(`?csrf= is ${csrfQuery ? "accepted, as in Kirby (default)" : "refused with api.csrfQuery: false"}`, async () => {
      const site = await startSite(csrfQuery ? {} : { config: { api: { csrfQuery: false } } });
      const client = await site.client().loginOrThrow(ADMIN);
      const viaQuery = await client.request("GET", `/api/auth?csrf=${client.csrf}`);
      expect(viaQuery.status).toBe(csrfQuery ? 200 : 401);
      expect((await client.get("/api/auth")).status).toBe(200);
    });
  }
});

describe("login codes and reset permissions", () => {
  const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

  async function siteWith(config: Record<string, unknown>, totpFor?: string) {
    const root = await copySite();
    if (totpFor) await giveTotpSecret(root, totpFor, TOTP_SECRET);
    const mailer = new MemoryMailer();
    return { site: await startSite({ root, config, extra: { mailer } }), mailer };
  }

  function codeIn(message: MailMessage | undefined): string {
    const match = /^(\d{3}) (\d{3})$/m.exec(message?.text ?? "");
    if (!match) throw new Error("no code in the mail");
    return `${match[1]}${match[2]}`;
  }

  it("a TOTP code is accepted once: replaying it in its window is refused", async () => {
    const { site } = await siteWith({ auth: { methods: { password: { "2fa": true } } } }, EDITOR.id);
    const code = totpCode(TOTP_SECRET, Math.floor(Date.now() / 1000));
    const first = site.client();
    expect((await first.login(EDITOR)).body).toMatchObject({ challenge: "totp" });
    expect((await first.request("POST", "/api/auth/code", { withCsrf: true, json: { code } })).status).toBe(200);
    // someone who saw the code (or the request) tries it from another browser, with the password
    const replay = site.client();
    expect((await replay.login(EDITOR)).body).toMatchObject({ challenge: "totp" });
    const replayed = await replay.request("POST", "/api/auth/code", { withCsrf: true, json: { code } });
    expect(replayed.status).toBe(403);
    expect(replayed.body).toMatchObject({ key: "error.access.code" });
    expect((await replay.get("/api/auth")).status).toBe(401);
  });

  it("a password-reset permission does not survive logout into the next user's login", async () => {
    const { site, mailer } = await siteWith({ auth: { methods: ["password", "password-reset"] } });
    const browser = site.client();
    await browser.fetchCsrf();
    await browser.request("POST", "/api/auth/login", { withCsrf: true, json: { email: EDITOR.email, long: false } });
    const code = codeIn(mailer.lastTo(EDITOR.email));
    expect((await browser.request("POST", "/api/auth/code", { withCsrf: true, json: { code } })).status).toBe(200);
    expect((await browser.request("POST", "/api/auth/logout", { withCsrf: true })).status).toBe(200);
    // the next person on the same browser logs in with their password
    expect((await browser.login(ADMIN)).status).toBe(200);
    const change = await browser.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { password: "Taken-Over-Pass-1" },
    });
    expect(change.status).toBe(400);
    expect(change.body).toMatchObject({ key: "error.user.password.invalid" });
  });
});

describe("owner lock-out by attackers from many addresses", () => {
  const OWNER_IP = "203.0.113.10";
  const NEW_IP = "203.0.113.77";
  const HTTPS = { url: "https://cms.example.com", auth: { revealThrottle: true } };

  async function csrfSession(site: TestSite, ip: string): Promise<{ cookie: string; csrf: string }> {
    const reply = await injectFrom(site.sheaf, ip, "GET", "/api/auth/csrf", {});
    return { cookie: cookiePair(reply.setCookies[0]!), csrf: (reply.body as { csrf: string }).csrf };
  }

  async function loginFrom(site: TestSite, ip: string, password: string, deviceCookie?: string): Promise<Reply> {
    const { cookie, csrf } = await csrfSession(site, ip);
    const cookies = deviceCookie ? `${cookie}; ${deviceCookie}` : cookie;
    return injectFrom(
      site.sheaf,
      ip,
      "POST",
      "/api/auth/login",
      { cookie: cookies, "x-csrf": csrf },
      { email: ADMIN.email, password, long: false },
    );
  }

  function deviceCookieOf(reply: Reply): string | undefined {
    const line = reply.setCookies.find((header) => header.startsWith("sheaf_device="));
    return line === undefined ? undefined : cookiePair(line);
  }

  it("8 attacking addresses cannot keep the owner out: a known device and a clean address log in at the first try", async () => {
    // only Date is faked: the whole attack happens within the back-off of its first failures
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((Math.floor(Date.now() / 1000) + 5) * 1000);
    const site = await startSite({ config: HTTPS, extra: { throttleStore: new MemoryThrottleStore() } });
    const earlier = await loginFrom(site, OWNER_IP, ADMIN.password);
    expect(earlier.status).toBe(200);
    const device = deviceCookieOf(earlier);
    expect(device).toMatch(/^sheaf_device=[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]+$/);
    expect(earlier.setCookies.find((header) => header.startsWith("sheaf_device="))).toMatch(
      /; secure; HttpOnly; SameSite=Lax$/,
    );

    // the owner mistyped once at home; then 8 addresses guess 9 times each (each stays under its own limit of 10)
    expect((await loginFrom(site, OWNER_IP, "owner-typo-password")).status).toBe(403);
    for (let round = 0; round < 9; round++) {
      for (let attacker = 1; attacker <= 8; attacker++) {
        // refused as a failed login, or (once the account is past its ceiling) as a slowed-down address
        expect((await loginFrom(site, `198.51.100.${attacker}`, `guess-${round}-${attacker}`)).status).toBe(403);
      }
    }
    // without the device cookie the owner's (failed) address is slowed, as every failing address is
    expect((await loginFrom(site, OWNER_IP, ADMIN.password)).body).toMatchObject({ message: "Rate limit exceeded" });
    // with it the owner logs in at once
    const owner = await loginFrom(site, OWNER_IP, ADMIN.password, device);
    expect(owner.status).toBe(200);
    // a new address that never failed needs no cookie
    expect((await loginFrom(site, NEW_IP, ADMIN.password)).status).toBe(200);
    // the attackers stay slowed, and a forged or another user's device cookie does not help them
    expect((await loginFrom(site, "198.51.100.1", ADMIN.password)).body).toMatchObject({
      message: "Rate limit exceeded",
    });
    const forged = device!.replace(/.$/, (last) => (last === "A" ? "B" : "A"));
    expect((await loginFrom(site, "198.51.100.2", ADMIN.password, forged)).body).toMatchObject({
      message: "Rate limit exceeded",
    });
  });

  it("no device cookie is sent over plain HTTP (Kirby's answers stay as they are)", async () => {
    const site = await startSite();
    const reply = await site.client().login(ADMIN);
    expect(reply.status).toBe(200);
    expect(reply.setCookies.every((header) => header.startsWith("kirby_session="))).toBe(true);
  });
});
