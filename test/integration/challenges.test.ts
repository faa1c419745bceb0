import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryMailer, type MailMessage } from "../../src/mail/mailer.js";
import { totpCode } from "../../src/auth/challenges/totp.js";
import {
  giveTotpSecret,
  ADMIN,
  cleanUp,
  type Client,
  copySite,
  dataOf,
  EDITOR,
  INVALID_CSRF,
  INVALID_LOGIN,
  LOCALHOST_IP_HASH,
  OK,
  readJsonFile,
  send,
  startSite,
  type TestSite,
  tokenOf,
  UNAUTHENTICATED,
} from "./helpers.js";

afterEach(async () => {
  vi.useRealTimers();
  await cleanUp();
});

/** 20 bytes as 32 base32 characters, as Kirby stores a TOTP secret. */
const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function invalidCode(challengeDestroyed: boolean): Record<string, unknown> {
  return {
    status: "error",
    message: "Invalid code",
    code: 403,
    key: "error.access.code",
    details: { challengeDestroyed },
  };
}

interface ChallengeSite {
  readonly site: TestSite;
  readonly mailer: MemoryMailer;
}

async function startChallengeSite(
  config: Record<string, unknown>,
  { totpFor }: { totpFor?: string } = {},
): Promise<ChallengeSite> {
  const root = await copySite();
  if (totpFor) await giveTotpSecret(root, totpFor, TOTP_SECRET);
  const mailer = new MemoryMailer();
  const site = await startSite({ root, config, memorySessions: true, extra: { mailer } });
  return { site, mailer };
}

async function requestCode(client: Client, email: string, { long = false } = {}) {
  if (!client.csrf) await client.fetchCsrf();
  return client.request("POST", "/api/auth/login", { withCsrf: true, json: { email, long } });
}

function submitCode(client: Client, code: string) {
  return client.request("POST", "/api/auth/code", { withCsrf: true, json: { code } });
}

/** The six digits of the code in a mail body (written `123 456`). */
function codeIn(message: MailMessage | undefined): string {
  const match = /^(\d{3}) (\d{3})$/m.exec(message?.text ?? "");
  if (!match) throw new Error(`no code in ${JSON.stringify(message?.text)}`);
  return `${match[1]}${match[2]}`;
}

function otherCode(code: string): string {
  return code === "000000" ? "111111" : "000000";
}

async function authStatus(client: Client): Promise<unknown> {
  return dataOf(await client.get("/api/system"))["authStatus"];
}

async function sessionData(site: TestSite, client: Client): Promise<Record<string, unknown>> {
  const session = await site.sheaf.sessions.load(tokenOf(client.cookie!), "cookie");
  if (!session) throw new Error("no session for the client's cookie");
  return { ...session.record.data };
}

async function ipTrials(site: TestSite): Promise<number | undefined> {
  const log = await readJsonFile<{ "by-ip": Record<string, { trials: number }> }>(
    path.join(site.root, "site", "accounts", ".logins"),
  );
  return log["by-ip"][LOCALHOST_IP_HASH]?.trials;
}

const CODE_LOGIN = { auth: { methods: ["password", "code"] } };

describe("code login (auth.methods: code)", () => {
  it("mails a code to a known user, reports the pending challenge, and logs in with the code", async () => {
    const { site, mailer } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    const created = await requestCode(client, EDITOR.email);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ code: 200, status: "ok", challenge: "email" });

    expect(mailer.messages).toHaveLength(1);
    const mail = mailer.messages[0]!;
    expect(mail.to).toEqual({ email: EDITOR.email, name: "Ed Editor" });
    // the site URL is detected from the connection here (no `url` option): http://127.0.0.1
    expect(mail.from).toEqual({ email: "noreply@127.0.0.1", name: "Oracle Site" });
    expect(mail.subject).toBe("Your login code");
    expect(mail.text).toContain("Ed Editor");
    expect(mail.text).toContain("Oracle Site");
    expect(mail.text).toContain("10 minutes");
    const code = codeIn(mail);

    expect(await authStatus(client)).toEqual({
      challenge: "email",
      email: EDITOR.email,
      mode: "login",
      status: "pending",
    });
    const pending = await sessionData(site, client);
    expect(pending["kirby.challenge.type"]).toBe("email");
    expect(pending["kirby.challenge.code"]).toMatch(/^\$2y\$10\$/);
    expect(pending["kirby.challenge.code"]).not.toContain(code);
    expect((await client.get("/api/site")).body).toEqual(UNAUTHENTICATED);

    const before = client.cookie;
    const reply = await submitCode(client, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ code: 200, status: "ok", user: { email: EDITOR.email, id: EDITOR.id } });
    expect(client.cookie).not.toBe(before);
    expect(tokenOf(client.cookie!)).not.toBe(tokenOf(before!));

    const data = await sessionData(site, client);
    expect(data["kirby.userId"]).toBe(EDITOR.id);
    expect(Object.keys(data).filter((key) => key.startsWith("kirby.challenge."))).toEqual([]);
    expect(data["kirby.resetPassword"]).toBeUndefined();
    expect(dataOf(await client.get("/api/auth"))["email"]).toBe(EDITOR.email);
    expect(dataOf(await client.get("/api/system"))["user"]).toMatchObject({ email: EDITOR.email });

    // the old cookie died with the login, and the used code does not work twice
    const stale = await send(site.sheaf, "GET", "/api/auth", { headers: { cookie: before!, "x-csrf": client.csrf! } });
    expect(stale.status).toBe(401);
    expect((await submitCode(client, code)).body).toEqual(invalidCode(true));
  });

  it("answers an unknown e-mail exactly like a known one, sends nothing, and never verifies", async () => {
    const { site, mailer } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    const started = Math.floor(Date.now() / 1000);
    const reply = await requestCode(client, "nobody@example.com");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ code: 200, status: "ok", challenge: "email" });
    expect(mailer.messages).toHaveLength(0);
    expect(await authStatus(client)).toEqual({
      challenge: "email",
      email: "nobody@example.com",
      mode: "login",
      status: "pending",
    });

    const data = await sessionData(site, client);
    expect(data["kirby.challenge.email"]).toBe("nobody@example.com");
    expect(data["kirby.challenge.type"]).toBeUndefined();
    expect(data["kirby.challenge.code"]).toBeUndefined();
    expect(data["kirby.challenge.timeout"]).toBeGreaterThanOrEqual(started + 600);
    expect(data["kirby.challenge.timeout"]).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);

    const refused = await submitCode(client, "123456");
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(invalidCode(false));
  });

  it("refuses a wrong code without ending the challenge, and counts it as a trial", async () => {
    const { site, mailer } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    await requestCode(client, EDITOR.email);
    expect(await ipTrials(site)).toBe(1);
    const code = codeIn(mailer.lastTo(EDITOR.email));

    const wrong = await submitCode(client, otherCode(code));
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual(invalidCode(false));
    expect(await ipTrials(site)).toBe(2);
    expect(await authStatus(client)).toMatchObject({ status: "pending", email: EDITOR.email });

    expect((await submitCode(client, code)).status).toBe(200);
  });

  it("refuses a code after the challenge timed out and removes the challenge", async () => {
    const { site, mailer } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date());
    await requestCode(client, EDITOR.email);
    const code = codeIn(mailer.lastTo(EDITOR.email));
    vi.setSystemTime(Date.now() + 601_000);

    const reply = await submitCode(client, code);
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(invalidCode(true));
    expect(await authStatus(client)).toEqual({ challenge: null, email: null, mode: null, status: "inactive" });
    expect(Object.keys(await sessionData(site, client)).filter((key) => key.startsWith("kirby.challenge."))).toEqual(
      [],
    );
  });

  it("honours auth.challenge.timeout in the session and in the mail", async () => {
    const { site, mailer } = await startChallengeSite({ ...CODE_LOGIN, "auth.challenge.timeout": 120 });
    const client = site.client();
    const started = Math.floor(Date.now() / 1000);
    await requestCode(client, EDITOR.email);
    expect(mailer.lastTo(EDITOR.email)?.text).toContain("2 minutes");
    const timeout = (await sessionData(site, client))["kirby.challenge.timeout"] as number;
    expect(timeout - started).toBeGreaterThanOrEqual(120);
    expect(timeout - started).toBeLessThanOrEqual(121);
  });

  it("answers auth/code without a code (Kirby: a generic 500, docs/kirby-compat/auth-and-sessions.md) or with a null code with 400 (deviations zz, x)", async () => {
    const site = await startSite({ memorySessions: true });
    const client = site.client();
    await client.fetchCsrf();
    const missing = await client.request("POST", "/api/auth/code", { withCsrf: true, json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      status: "error",
      message: 'The "code" field is missing',
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
    const nullCode = await client.request("POST", "/api/auth/code", { withCsrf: true, json: { code: null } });
    expect(nullCode.status).toBe(400);
    expect(nullCode.body).toEqual({
      status: "error",
      message: expect.any(String),
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
  });

  it("answers a code without any challenge with challengeDestroyed: true", async () => {
    const { site } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    await client.fetchCsrf();
    const reply = await submitCode(client, "123456");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(invalidCode(true));
  });

  it("shows the real reason with auth.debug: true", async () => {
    const { site, mailer } = await startChallengeSite({ auth: { methods: ["password", "code"], debug: true } });
    const client = site.client();
    await client.fetchCsrf();
    expect((await submitCode(client, "123456")).body).toMatchObject({
      code: 400,
      message: "No authentication challenge is active",
      details: { challengeDestroyed: true },
    });
    expect((await requestCode(client, "nobody@example.com")).body).toMatchObject({
      code: 404,
      key: "error.user.notFound",
    });

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date());
    await requestCode(client, EDITOR.email);
    vi.setSystemTime(Date.now() + 601_000);
    expect((await submitCode(client, codeIn(mailer.lastTo(EDITOR.email)))).body).toMatchObject({
      code: 403,
      message: "Authentication challenge timeout",
      details: { challengeDestroyed: true },
    });
  });

  it("checks the CSRF token of session requests with 400, like login", async () => {
    const { site } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    await client.fetchCsrf();
    const reply = await client.request("POST", "/api/auth/code", { json: { code: "123456" } });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(INVALID_CSRF);
  });

  it("keeps a long session long through the challenge", async () => {
    const { site, mailer } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    await requestCode(client, EDITOR.email, { long: true });
    const reply = await submitCode(client, codeIn(mailer.lastTo(EDITOR.email)));
    expect(reply.status).toBe(200);
    const maxAge = Number(/Max-Age=(\d+)/.exec(reply.setCookies.at(-1) ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(1_209_000);
  });

  it("logout removes a pending challenge (row 46)", async () => {
    const { site } = await startChallengeSite(CODE_LOGIN);
    const client = site.client();
    await requestCode(client, EDITOR.email);
    expect((await client.request("POST", "/api/auth/logout")).body).toEqual(OK);
    expect(await authStatus(client)).toEqual({ challenge: null, email: null, mode: null, status: "inactive" });
    expect((await submitCode(client, "123456")).body).toEqual(invalidCode(true));
  });

  it("uses the configured sender and subject", async () => {
    const { site, mailer } = await startChallengeSite({
      ...CODE_LOGIN,
      auth: {
        ...CODE_LOGIN.auth,
        challenge: { email: { from: "login@example.org", fromName: "Login desk", subject: "Your code" } },
      },
    });
    await requestCode(site.client(), ADMIN.email);
    expect(mailer.messages[0]).toMatchObject({
      from: { email: "login@example.org", name: "Login desk" },
      subject: "Your code",
    });
  });
});

describe("challenge creation is throttled (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("counts every code request as a trial and then silently stops sending codes", async () => {
    const { site, mailer } = await startChallengeSite({ auth: { methods: ["password", "code"], trials: 3 } });
    const client = site.client();
    for (let round = 0; round < 3; round += 1) {
      expect((await requestCode(client, EDITOR.email)).body).toEqual({ code: 200, status: "ok", challenge: "email" });
    }
    expect(mailer.messages).toHaveLength(3);
    expect(await ipTrials(site)).toBe(3);

    const blocked = await requestCode(client, EDITOR.email);
    expect(blocked.body).toEqual({ code: 200, status: "ok", challenge: "email" });
    expect(mailer.messages).toHaveLength(3);
    expect(await ipTrials(site)).toBe(3);
    expect((await client.login(EDITOR)).body).toEqual(INVALID_LOGIN);
  });

  it("reveals the block with auth.debug: true", async () => {
    const { site } = await startChallengeSite({ auth: { methods: ["password", "code"], trials: 3, debug: true } });
    const client = site.client();
    for (let round = 0; round < 3; round += 1) await requestCode(client, "nobody@example.com");
    const reply = await requestCode(client, "nobody@example.com");
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      message: "Rate limit exceeded",
      key: "error.permission",
      details: { reason: "rate-limited" },
    });
  });

  it("refuses a right code once the address is blocked", async () => {
    const { site, mailer } = await startChallengeSite({ auth: { methods: ["password", "code"], trials: 2 } });
    const client = site.client();
    await requestCode(client, EDITOR.email);
    const code = codeIn(mailer.lastTo(EDITOR.email));
    await submitCode(client, otherCode(code));
    expect(await ipTrials(site)).toBe(2);
    const reply = await submitCode(client, code);
    expect(reply.body).toEqual(invalidCode(false));
    expect(await ipTrials(site)).toBe(2);
  });
});

describe("password reset (auth.methods: password-reset)", () => {
  it("logs in with the reset code and allows one password change without the current password", async () => {
    const { site, mailer } = await startChallengeSite({ auth: { methods: ["password", "password-reset"] } });
    const client = site.client();
    expect((await requestCode(client, EDITOR.email)).body).toEqual({ code: 200, status: "ok", challenge: "email" });
    const mail = mailer.lastTo(EDITOR.email);
    expect(mail?.subject).toBe("Your password reset code");
    expect(mail?.text).toContain("password reset");
    expect(await authStatus(client)).toEqual({
      challenge: "email",
      email: EDITOR.email,
      mode: "password-reset",
      status: "pending",
    });

    expect((await submitCode(client, codeIn(mail))).status).toBe(200);
    expect((await sessionData(site, client))["kirby.resetPassword"]).toBe(true);

    const changed = await client.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { password: "BrandNewPass1!" },
    });
    expect(changed.status).toBe(200);
    expect((await sessionData(site, client))["kirby.resetPassword"]).toBeUndefined();
    const again = await client.request("PATCH", "/api/account/password", {
      withCsrf: true,
      json: { password: "OtherNewPass1!" },
    });
    expect(again.status).toBe(400);

    const fresh = site.client();
    expect((await fresh.login({ email: EDITOR.email, password: "BrandNewPass1!" })).status).toBe(200);
  });

  it("still logs in with a password", async () => {
    const { site, mailer } = await startChallengeSite({ auth: { methods: ["password", "password-reset"] } });
    expect((await site.client().login(EDITOR)).body).toMatchObject({ status: "ok", user: { email: EDITOR.email } });
    expect(mailer.messages).toHaveLength(0);
  });
});

describe("two-factor login (password: {2fa: true})", () => {
  const TWO_FACTOR = { auth: { methods: { password: { "2fa": true } } } };

  it("asks a user with a TOTP secret for the authenticator code", async () => {
    const { site, mailer } = await startChallengeSite(TWO_FACTOR, { totpFor: EDITOR.id });
    const client = site.client();
    const step = await client.login(EDITOR);
    expect(step.status).toBe(200);
    expect(step.body).toEqual({ code: 200, status: "ok", challenge: "totp" });
    expect(mailer.messages).toHaveLength(0);
    expect(await authStatus(client)).toEqual({
      challenge: "totp",
      email: EDITOR.email,
      mode: "2fa",
      status: "pending",
    });
    expect((await client.get("/api/site")).status).toBe(401);

    const now = Math.floor(Date.now() / 1000);
    const code = totpCode(TOTP_SECRET, now);
    const wrong = await submitCode(client, totpCode(TOTP_SECRET, now, 5));
    expect(wrong.body).toEqual(invalidCode(false));
    const reply = await submitCode(client, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: "ok", user: { email: EDITOR.email } });
    expect((await client.get("/api/site")).status).toBe(200);
  });

  it("mails a code to a user without a TOTP secret", async () => {
    const { site, mailer } = await startChallengeSite(TWO_FACTOR, { totpFor: EDITOR.id });
    const client = site.client();
    expect((await client.login(ADMIN)).body).toEqual({ code: 200, status: "ok", challenge: "email" });
    const mail = mailer.lastTo(ADMIN.email);
    expect(mail?.subject).toBe("Your login code");
    expect(await authStatus(client)).toEqual({
      challenge: "email",
      email: ADMIN.email,
      mode: "2fa",
      status: "pending",
    });
    expect((await submitCode(client, codeIn(mail))).body).toMatchObject({ status: "ok", user: { email: ADMIN.email } });
    expect(dataOf(await client.get("/api/auth"))["email"]).toBe(ADMIN.email);
  });

  it("refuses a wrong password before any challenge", async () => {
    const { site, mailer } = await startChallengeSite(TWO_FACTOR);
    const client = site.client();
    const reply = await client.login({ email: ADMIN.email, password: "not-the-password" });
    expect(reply.body).toEqual(INVALID_LOGIN);
    expect(mailer.messages).toHaveLength(0);
    expect(await authStatus(client)).toEqual({ challenge: null, email: null, mode: null, status: "inactive" });
  });

  it("refuses Basic auth", async () => {
    const { site } = await startChallengeSite({ ...TWO_FACTOR, api: { basicAuth: true, allowInsecure: true } });
    const authorization = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}`;
    const reply = await send(site.sheaf, "GET", "/api/site", { headers: { authorization } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      status: "error",
      message: "Basic authentication cannot be used with 2FA",
      code: 403,
      key: "error.permission",
      details: [],
    });
  });
});

describe("the default mailer", () => {
  it("writes the code mail to site/logs/mail/ (0600) and logs where", async () => {
    const lines: string[] = [];
    const config = { ...CODE_LOGIN, url: "http://www.example.com:8080" };
    const site = await startSite({ config, memorySessions: true, extra: { log: (line: string) => lines.push(line) } });
    const client = site.client();
    await requestCode(client, EDITOR.email);
    const dir = path.join(site.root, "site", "logs", "mail");
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}\.eml$/);
    const file = path.join(dir, files[0]!);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, "utf8");
    expect(text).toContain('From: "Oracle Site" <noreply@www.example.com>\r\n');
    expect(text).toContain('To: "Ed Editor" <editor@example.com>\r\n');
    expect(text).toContain("Subject: Your login code\r\n");
    const code = /^(\d{3}) (\d{3})\r$/m.exec(text);
    expect(code).not.toBeNull();
    expect(lines.some((line) => line.includes(file))).toBe(true);
    expect((await submitCode(client, `${code![1]}${code![2]}`)).status).toBe(200);
  });
});
