/**
 * Two-factor enrolment through HTTP: starting a setup (secret, otpauth URI, QR code), confirming it with the
 * password and a first code (the secret lands in `.htpasswd` as Kirby keeps it, ten recovery codes are answered once
 * and stored hashed), turning it off with a TOTP or a recovery code, an admin's reset, the login challenge accepting
 * a recovery code once, the replay guard, throttling, CSRF, application passwords and the audit log.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { totpCode } from "../../src/auth/challenges/totp.js";
import {
  ADMIN,
  auditWritten,
  cleanUp,
  copySite,
  createToken,
  bearer,
  dataOf,
  EDITOR,
  giveTotpSecret,
  startSite,
  type Client,
  type Reply,
  type TestSite,
} from "./helpers.js";

afterEach(async () => {
  await cleanUp();
});

const TWO_FACTOR = { auth: { methods: { password: { "2fa": true } } } };
const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function htpasswdOf(site: TestSite, id: string): Promise<string> {
  return readFile(path.join(site.root, "site", "accounts", id, ".htpasswd"), "utf8");
}

function recoveryFileOf(site: TestSite, id: string): Promise<string | null> {
  return readFile(path.join(site.root, "site", "accounts", id, ".recovery-codes"), "utf8").catch(() => null);
}

function post(client: Client, url: string, json: unknown = {}): Promise<Reply> {
  return client.request("POST", url, { withCsrf: true, json });
}

function del(client: Client, url: string, json: unknown = {}): Promise<Reply> {
  return client.request("DELETE", url, { withCsrf: true, json });
}

async function start(config: Record<string, unknown> = { api: { basicAuth: true, allowInsecure: true } }) {
  return startSite({ config, memorySessions: true });
}

/** Sets up TOTP for the client's user; answers the secret and the recovery codes. */
async function enrol(client: Client, password: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await post(client, "/api/account/totp");
  expect(started.status).toBe(200);
  const secret = dataOf(started)["secret"] as string;
  const enabled = await post(client, "/api/account/totp/enable", { code: totpCode(secret, now()), password });
  expect(enabled.status, enabled.text).toBe(200);
  return { secret, recoveryCodes: dataOf(enabled)["recoveryCodes"] as string[] };
}

describe("POST account/totp (start)", () => {
  it("answers a fresh secret, its otpauth URI and a QR code without touching the account", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const before = await htpasswdOf(site, EDITOR.id);
    const reply = await post(client, "/api/account/totp");
    expect(reply.status).toBe(200);
    const data = dataOf(reply);
    expect(data["secret"]).toMatch(/^[A-Z2-7]{32}$/);
    expect(data["uri"]).toMatch(/^otpauth:\/\/totp\/[^:]+:editor%40example\.com\?secret=[A-Z2-7]{32}&issuer=/);
    const qr = data["qr"] as string;
    expect(qr.startsWith("<svg")).toBe(true);
    expect(qr).not.toMatch(/<script|javascript:|on[a-z]+=|<foreignObject|href=/i);
    expect(await htpasswdOf(site, EDITOR.id)).toBe(before);
    expect(await recoveryFileOf(site, EDITOR.id)).toBeNull();
    // a second start gives a new secret
    const again = dataOf(await post(client, "/api/account/totp"));
    expect(again["secret"]).not.toBe(data["secret"]);
  });

  it("is refused without CSRF, anonymously, with Basic auth and with an application password", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    expect((await client.request("POST", "/api/account/totp")).status).toBe(401);
    expect((await site.client().request("POST", "/api/account/totp")).status).toBe(401);
    const basic = await site.client().request("POST", "/api/account/totp", {
      headers: { authorization: `Basic ${Buffer.from(`${EDITOR.email}:${EDITOR.password}`).toString("base64")}` },
    });
    expect(basic.status).toBe(403);
    expect(basic.body).toMatchObject({ message: "Setting up two-factor authentication needs a session login" });
    const { token } = await createToken(client);
    const withToken = await site.client().request("POST", "/api/account/totp", { headers: bearer(token) });
    expect(withToken.status).toBe(403);
  });
});

describe("POST account/totp/enable", () => {
  it("stores the secret where Kirby keeps it, answers ten recovery codes once and stores them hashed", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const other = await site.client().loginOrThrow(EDITOR);
    const hashBefore = (await htpasswdOf(site, EDITOR.id)).split("\n")[0];
    const { secret, recoveryCodes } = await enrol(client, EDITOR.password);

    expect(await htpasswdOf(site, EDITOR.id)).toBe(`${hashBefore}\n${JSON.stringify({ totp: secret })}`);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const stored = (await recoveryFileOf(site, EDITOR.id))!;
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    expect(JSON.parse(stored).codes).toHaveLength(10);
    expect((await stat(path.join(site.root, "site", "accounts", EDITOR.id, ".recovery-codes"))).mode & 0o777).toBe(
      0o600,
    );

    // the acting session stays, the other one ends
    expect((await client.get("/api/account")).status).toBe(200);
    expect((await other.get("/api/account")).status).toBe(401);
    expect(dataOf(await client.get("/api/account/totp"))).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    // the pending secret is used up
    const again = await post(client, "/api/account/totp/enable", {
      code: totpCode(secret, now(), 1),
      password: EDITOR.password,
    });
    expect(again.status).toBe(400);

    await auditWritten(site);
    const audit = await readFile(path.join(site.root, "site", "logs", "auth.log"), "utf8");
    expect(audit).toContain('"event":"totp.enable"');
    expect(audit).not.toContain(secret);
    for (const code of recoveryCodes) expect(audit).not.toContain(code);
  });

  it("refuses a wrong password, a wrong code, a replayed step and a missing setup, changing nothing", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const before = await htpasswdOf(site, EDITOR.id);
    const none = await post(client, "/api/account/totp/enable", { code: "123456", password: EDITOR.password });
    expect(none.status).toBe(400);

    const secret = dataOf(await post(client, "/api/account/totp"))["secret"] as string;
    const wrongPassword = await post(client, "/api/account/totp/enable", {
      code: totpCode(secret, now()),
      password: "wrong-password",
    });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toMatchObject({ key: "error.user.password.wrong" });
    const wrongCode = await post(client, "/api/account/totp/enable", {
      code: totpCode(secret, now(), 5),
      password: EDITOR.password,
    });
    expect(wrongCode.status).toBe(403);
    expect(wrongCode.body).toMatchObject({ key: "error.access.code", message: "Invalid code" });
    const tooLong = await post(client, "/api/account/totp/enable", {
      code: "1".repeat(1000),
      password: EDITOR.password,
    });
    expect(tooLong.status).toBe(403);
    const listCode = await post(client, "/api/account/totp/enable", { code: ["123456"], password: EDITOR.password });
    expect(listCode.status).toBe(400);
    expect(await htpasswdOf(site, EDITOR.id)).toBe(before);
    expect(await recoveryFileOf(site, EDITOR.id)).toBeNull();

    await enrol(client, EDITOR.password);
    // already on: a new setup is refused
    expect((await post(client, "/api/account/totp")).status).toBe(400);
  });

  it("throttles wrong codes like wrong passwords", async () => {
    const site = await start({ auth: { trials: 3 } });
    const client = await site.client().loginOrThrow(EDITOR);
    const secret = dataOf(await post(client, "/api/account/totp"))["secret"] as string;
    const wrong = totpCode(secret, now(), 7);
    for (let i = 0; i < 3; i++) {
      const reply = await post(client, "/api/account/totp/enable", { code: wrong, password: EDITOR.password });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ key: "error.access.code" });
    }
    const blocked = await post(client, "/api/account/totp/enable", {
      code: totpCode(secret, now()),
      password: EDITOR.password,
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body).not.toMatchObject({ status: "ok" });
    expect((await htpasswdOf(site, EDITOR.id)).includes("totp")).toBe(false);
  });
});

describe("login with the enrolled secret and recovery codes", () => {
  it("asks for the code, never accepts a step twice and takes each recovery code once", async () => {
    const site = await startSite({ config: TWO_FACTOR, memorySessions: true });
    const setup = site.client();
    await setup.login(EDITOR);
    // 2FA is not on yet: the login mails a code; enrol with a plain login site instead
    await setup.request("POST", "/api/auth/logout", { withCsrf: true });
    await site.close();

    const plain = await startSite({ root: site.root, memorySessions: true });
    const enrolling = await plain.client().loginOrThrow(EDITOR);
    const { secret, recoveryCodes } = await enrol(enrolling, EDITOR.password);
    await plain.close();

    const twoFactor = await startSite({ root: site.root, config: TWO_FACTOR, memorySessions: true });
    const client = twoFactor.client();
    expect((await client.login(EDITOR)).body).toEqual({ code: 200, status: "ok", challenge: "totp" });
    const code = totpCode(secret, now(), 1);
    expect((await post(client, "/api/auth/code", { code })).status).toBe(200);
    await client.request("POST", "/api/auth/logout", { withCsrf: true });

    const replay = twoFactor.client();
    await replay.login(EDITOR);
    expect((await post(replay, "/api/auth/code", { code })).status).toBe(403);

    const recovery = twoFactor.client();
    await recovery.login(EDITOR);
    const used = recoveryCodes[3]!;
    const reply = await post(recovery, "/api/auth/code", { code: used.toUpperCase().replace(/-/g, " ") });
    expect(reply.status, reply.text).toBe(200);
    expect(dataOf(await recovery.get("/api/account/totp"))).toEqual({ enabled: true, recoveryCodesLeft: 9 });
    await recovery.request("POST", "/api/auth/logout", { withCsrf: true });

    const again = twoFactor.client();
    await again.login(EDITOR);
    expect((await post(again, "/api/auth/code", { code: used })).status).toBe(403);
    await auditWritten(twoFactor);
    const audit = await readFile(path.join(site.root, "site", "logs", "auth.log"), "utf8");
    expect(audit).toContain('"event":"totp.recovery"');
  });

  it("does not take recovery codes for a user whose secret was removed by hand", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const { recoveryCodes } = await enrol(client, EDITOR.password);
    const file = path.join(site.root, "site", "accounts", EDITOR.id, ".htpasswd");
    const hash = (await readFile(file, "utf8")).split("\n")[0]!;
    await site.close();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, hash);
    const twoFactor = await startSite({ root: site.root, config: TWO_FACTOR, memorySessions: true });
    const login = twoFactor.client();
    expect((await login.login(EDITOR)).body).toEqual({ code: 200, status: "ok", challenge: "email" });
    expect((await post(login, "/api/auth/code", { code: recoveryCodes[0] })).status).toBe(403);
  });
});

describe("DELETE account/totp", () => {
  it("turns TOTP off with the password and a code, keeping the password hash", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const { secret } = await enrol(client, EDITOR.password);
    const hash = (await htpasswdOf(site, EDITOR.id)).split("\n")[0];
    const wrong = await del(client, "/api/account/totp", {
      password: EDITOR.password,
      code: totpCode(secret, now(), 6),
    });
    expect(wrong.status).toBe(403);
    const noPassword = await del(client, "/api/account/totp", {
      password: "nope-nope",
      code: totpCode(secret, now(), 1),
    });
    expect(noPassword.status).toBe(401);
    expect(noPassword.body).toMatchObject({ key: "error.user.password.wrong" });
    const reply = await del(client, "/api/account/totp", {
      password: EDITOR.password,
      code: totpCode(secret, now(), 1),
    });
    expect(reply.status, reply.text).toBe(200);
    expect(await htpasswdOf(site, EDITOR.id)).toBe(hash);
    expect(await recoveryFileOf(site, EDITOR.id)).toBeNull();
    expect(dataOf(await client.get("/api/account/totp"))).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    expect((await del(client, "/api/account/totp", { password: EDITOR.password, code: "123456" })).status).toBe(400);
  });

  it("is refused with an application password, changing nothing", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const { token } = await createToken(client);
    const { secret } = await enrol(client, EDITOR.password);
    // tokens issued before the change of .htpasswd no longer work at all; a new one is still refused
    expect((await site.client().request("GET", "/api/account", { headers: bearer(token) })).status).toBe(401);
    const { token: fresh } = await createToken(client);
    const reply = await site.client().request("DELETE", "/api/account/totp", {
      headers: bearer(fresh),
      json: { password: EDITOR.password, code: totpCode(secret, now(), 1) },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      message: "Two-factor authentication cannot be changed with an application password",
    });
    expect((await htpasswdOf(site, EDITOR.id)).includes("totp")).toBe(true);
  });

  it("accepts a recovery code instead of a TOTP code", async () => {
    const site = await start();
    const client = await site.client().loginOrThrow(EDITOR);
    const { recoveryCodes } = await enrol(client, EDITOR.password);
    const reply = await del(client, "/api/account/totp", { password: EDITOR.password, code: recoveryCodes[9] });
    expect(reply.status, reply.text).toBe(200);
    expect((await htpasswdOf(site, EDITOR.id)).includes("totp")).toBe(false);
  });
});

describe("DELETE users/<id>/totp (reset)", () => {
  it("lets an admin reset another user's TOTP with the admin's password, ending that user's sessions", async () => {
    const root = await copySite();
    await giveTotpSecret(root, EDITOR.id, TOTP_SECRET);
    const site = await startSite({ root, memorySessions: true });
    const editor = await site.client().loginOrThrow(EDITOR);
    const admin = await site.client().loginOrThrow(ADMIN);
    const wrong = await del(admin, `/api/users/${EDITOR.id}/totp`, { password: "wrong-password" });
    expect(wrong.status).toBe(401);
    expect((await htpasswdOf(site, EDITOR.id)).includes("totp")).toBe(true);
    const reply = await del(admin, `/api/users/${EDITOR.id}/totp`, { password: ADMIN.password });
    expect(reply.status, reply.text).toBe(200);
    expect((await htpasswdOf(site, EDITOR.id)).includes("totp")).toBe(false);
    expect((await editor.get("/api/account")).status).toBe(401);
    expect((await admin.get("/api/account")).status).toBe(200);
    await auditWritten(site);
    const audit = await readFile(path.join(root, "site", "logs", "auth.log"), "utf8");
    expect(audit).toContain('"event":"totp.reset"');
  });

  it("refuses an editor resetting someone else, and unknown users", async () => {
    const root = await copySite();
    await giveTotpSecret(root, ADMIN.id, TOTP_SECRET);
    const site = await startSite({ root, memorySessions: true });
    const editor = await site.client().loginOrThrow(EDITOR);
    // the fixture's editors cannot see other users at all: the admin is not found for them
    const reply = await del(editor, `/api/users/${ADMIN.id}/totp`, { password: EDITOR.password });
    expect(reply.status).toBe(404);
    expect((await htpasswdOf(site, ADMIN.id)).includes("totp")).toBe(true);
    const admin = await site.client().loginOrThrow(ADMIN);
    expect((await del(admin, "/api/users/nobody-here/totp", { password: ADMIN.password })).status).toBe(404);
    expect((await del(admin, "/api/users/..%2F..%2Fetc/totp", { password: ADMIN.password })).status).toBe(404);
  });
});
