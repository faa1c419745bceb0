/**
 * Login throttling beyond Kirby, through HTTP with real client addresses (light-my-request's `remoteAddress`):
 * Kirby's per-IP rule stays, but an attacker can no longer lock the owner out of an account; keys are normalised;
 * `auth.revealThrottle` tells a client it is rate-limited; passwords, Basic auth and application passwords share
 * one limiter. The clock is faked (only `Date`) so that back-off windows are exact. Also the Basic verification
 * cache (`auth.basicCache`), which must change nothing but speed.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hashPassword } from "../../src/accounts/index.js";
import { MemoryThrottleStore } from "../../src/auth/index.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  INVALID_LOGIN,
  startSite,
  UNAUTHENTICATED,
  type Reply,
  type TestSite,
  basicAuth,
  injectFrom,
} from "./helpers.js";

afterEach(async () => {
  vi.useRealTimers();
  // audit entries are written after the answers; let them land before the folders are removed
  await cleanUp();
});

const OWNER_IP = "203.0.113.10";
const ATTACKER_IP = "198.51.100.66";
const RATE_LIMITED = {
  status: "error",
  message: "Rate limit exceeded",
  code: 403,
  details: { reason: "rate-limited" },
};

/** Fakes `Date` only (timers stay real), starting a little ahead of the real clock at a whole second. */
function freezeClock(): { advance(seconds: number): void } {
  let now = (Math.floor(Date.now() / 1000) + 5) * 1000;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now);
  return {
    advance(seconds: number) {
      now += seconds * 1000;
      vi.setSystemTime(now);
    },
  };
}

async function start(config: Record<string, unknown> = {}): Promise<TestSite> {
  const site = await startSite({
    memorySessions: true,
    config: { api: { basicAuth: true, allowInsecure: true }, ...config },
    extra: { throttleStore: new MemoryThrottleStore() },
  });
  return site;
}

/** An anonymous session (cookie + CSRF token) for posting to the login route. */
async function anonymousSession(site: TestSite): Promise<Record<string, string>> {
  const client = site.client();
  await client.fetchCsrf();
  return { cookie: client.cookie!, "x-csrf": client.csrf! };
}

async function login(
  site: TestSite,
  ip: string,
  email: string,
  password: string,
  url = "/api/auth/login",
): Promise<Reply> {
  return injectFrom(site.sheaf, ip, "POST", url, await anonymousSession(site), { email, password });
}

/** A login attempt with a session opened once and reused (fast enough for a thousand attempts). */
function loginWith(site: TestSite, session: Record<string, string>) {
  return (ip: string, email: string, password: string, url = "/api/auth/login"): Promise<Reply> =>
    injectFrom(site.sheaf, ip, "POST", url, session, { email, password });
}

async function createToken(site: TestSite, ip = "192.0.2.200"): Promise<string> {
  const reply = await injectFrom(
    site.sheaf,
    ip,
    "POST",
    "/api/account/tokens",
    { authorization: basicAuth(ADMIN.email, ADMIN.password) },
    {
      name: "script",
      scope: "read",
    },
  );
  if (reply.status !== 200) throw new Error(`token creation answered ${reply.status}: ${reply.text}`);
  return dataOf(reply)["token"] as string;
}

describe("an attacker cannot lock the owner out", () => {
  it("1,000 failures from one address: that address is blocked, the owner still logs in from another", async () => {
    const clock = freezeClock();
    const site = await start();
    const attempt = loginWith(site, await anonymousSession(site));

    const answers = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const reply = await attempt(ATTACKER_IP, ADMIN.email, `guess-${i}-password`);
      answers.add(`${reply.status} ${JSON.stringify(reply.body)}`);
    }
    expect([...answers]).toEqual([`403 ${JSON.stringify(INVALID_LOGIN)}`]);
    // Kirby's per-IP rule: the attacking address cannot log in even with the right password
    expect((await attempt(ATTACKER_IP, ADMIN.email, ADMIN.password)).body).toEqual(INVALID_LOGIN);

    // only the first `auth.trials` failures counted for the account: a back-off of one second, not an hour
    clock.advance(1);
    const owner = await login(site, OWNER_IP, ADMIN.email, ADMIN.password);
    expect(owner.status).toBe(200);
    expect((owner.body as { user: { id: string } }).user.id).toBe(ADMIN.id);
    expect((await attempt(ATTACKER_IP, ADMIN.email, ADMIN.password)).body).toEqual(INVALID_LOGIN);
  });

  it("an attack from many addresses slows only the attacking addresses, by at most auth.backoffMax", async () => {
    const clock = freezeClock();
    const site = await start({ auth: { backoffMax: 5, revealThrottle: true } });
    const attempt = loginWith(site, await anonymousSession(site));

    // 20 counted failures, each from a fresh address: the account is past its ceiling
    for (let i = 1; i <= 20; i++) {
      const reply = await attempt(`192.0.2.${i}`, ADMIN.email, "wrong-password");
      expect(reply.body, `attempt ${i}`).toEqual(INVALID_LOGIN);
    }
    // an address that failed waits 1 s, 2 s, 4 s … after each of its own failures; the cap is 5 s
    const attacker = "192.0.2.20";
    let retryAfter = 0;
    for (let failures = 1; failures <= 5; failures++) {
      const blocked = await attempt(attacker, ADMIN.email, "wrong-password");
      expect(blocked.body).toMatchObject(RATE_LIMITED);
      retryAfter = Number(blocked.headers["retry-after"]);
      expect(retryAfter).toBe(Math.min(2 ** (failures - 1), 5));
      clock.advance(retryAfter);
      expect((await attempt(attacker, ADMIN.email, "wrong-password")).body).toEqual(INVALID_LOGIN);
    }
    // the owner, from an address that never failed, is not slowed at all
    expect((await login(site, OWNER_IP, ADMIN.email, ADMIN.password)).status).toBe(200);
  });
});

describe("throttle keys are normalised", () => {
  it("upper- and mixed-case spellings of an e-mail count for the same account", async () => {
    const clock = freezeClock();
    const site = await start({ auth: { revealThrottle: true } });
    const attempt = loginWith(site, await anonymousSession(site));
    const spellings = [
      "ADMIN@EXAMPLE.COM",
      "Admin@Example.com",
      "aDmIn@eXaMpLe.CoM",
      "admin@EXAMPLE.com",
      "ADMIN@example.com",
    ];
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`192.0.2.${i + 1}`, spellings[i % spellings.length]!, "wrong-password")).body).toEqual(
        INVALID_LOGIN,
      );
    }
    // all spellings reached the account's ceiling: an address that failed waits its back-off, a new one does not
    expect((await login(site, "192.0.2.10", ADMIN.email, ADMIN.password)).body).toMatchObject(RATE_LIMITED);
    expect((await login(site, OWNER_IP, "ADMIN@EXAMPLE.COM", ADMIN.password)).status).toBe(200);
    clock.advance(1);
    expect((await login(site, "192.0.2.10", "ADMIN@EXAMPLE.COM", ADMIN.password)).status).toBe(200);
  });

  it("punycode and Unicode spellings of an IDN e-mail count for the same account", async () => {
    const clock = freezeClock();
    const site = await start({ auth: { revealThrottle: true } });
    const created = await injectFrom(
      site.sheaf,
      "192.0.2.200",
      "POST",
      "/api/users",
      { authorization: basicAuth(ADMIN.email, ADMIN.password) },
      {
        email: "ann@exämple.com",
        password: "ann-password-1",
        role: "editor",
      },
    );
    expect(created.status).toBe(200);
    const attempt = loginWith(site, await anonymousSession(site));
    const spellings = ["ann@xn--exmple-cua.com", "ANN@XN--EXMPLE-CUA.COM", "Ann@EXÄMPLE.com"];
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`192.0.2.${i + 1}`, spellings[i % spellings.length]!, "wrong-password")).body).toEqual(
        INVALID_LOGIN,
      );
    }
    expect((await login(site, "192.0.2.10", "ann@exämple.com", "ann-password-1")).body).toMatchObject(RATE_LIMITED);
    clock.advance(1);
    const owner = await login(site, "192.0.2.10", "ann@xn--exmple-cua.com", "ann-password-1");
    expect(owner.status).toBe(200);
    expect((owner.body as { user: { email: string } }).user.email).toBe("ann@exämple.com");
  });
});

describe("auth.revealThrottle", () => {
  async function blockedAnswer(config: Record<string, unknown>): Promise<Reply> {
    freezeClock();
    const site = await start(config);
    const attempt = loginWith(site, await anonymousSession(site));
    for (let i = 0; i < 10; i++) await attempt(ATTACKER_IP, EDITOR.email, "wrong-password");
    return attempt(ATTACKER_IP, EDITOR.email, EDITOR.password);
  }

  it("is off by default: a blocked attempt looks like any failed login (Kirby's answer)", async () => {
    const reply = await blockedAnswer({});
    expect(reply.body).toEqual(INVALID_LOGIN);
    expect(reply.headers["retry-after"]).toBeUndefined();
  });

  it("answers 403 Rate limit exceeded with details.reason and Retry-After until the window ends", async () => {
    const reply = await blockedAnswer({ auth: { revealThrottle: true, timeout: 600 } });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject(RATE_LIMITED);
    expect(reply.headers["retry-after"]).toBe("600");
  });

  it("says the same to Basic auth and to application passwords from a blocked address", async () => {
    freezeClock();
    // no verification cache here: see the last test of this file
    const site = await start({ auth: { revealThrottle: true, basicCache: 0 } });
    const token = await createToken(site);
    const attempt = loginWith(site, await anonymousSession(site));
    for (let i = 0; i < 10; i++) await attempt(ATTACKER_IP, EDITOR.email, "wrong-password");

    for (const authorization of [
      basicAuth(ADMIN.email, ADMIN.password),
      basicAuth(ADMIN.email, token),
      `Bearer ${token}`,
    ]) {
      const reply = await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", { authorization });
      expect(reply.body, authorization.split(" ")[0]).toMatchObject(RATE_LIMITED);
      expect(Number(reply.headers["retry-after"])).toBeGreaterThan(0);
    }
  });
});

describe("Basic auth, application passwords and the login form share one limiter", () => {
  it("failed Basic passwords block application passwords from that address", async () => {
    freezeClock();
    const site = await start({ auth: { basicCache: 0 } });
    const token = await createToken(site);
    for (let i = 0; i < 10; i++) {
      const reply = await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", {
        authorization: basicAuth(EDITOR.email, `wrong-${i}-password`),
      });
      expect(reply.body).toEqual(INVALID_LOGIN);
    }
    expect(
      (await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", { authorization: `Bearer ${token}` })).body,
    ).toEqual(UNAUTHENTICATED);
    expect(
      (await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", { authorization: basicAuth(ADMIN.email, token) }))
        .body,
    ).toEqual(INVALID_LOGIN);
    expect((await login(site, ATTACKER_IP, ADMIN.email, ADMIN.password)).body).toEqual(INVALID_LOGIN);
    expect(
      (await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", { authorization: `Bearer ${token}` })).status,
    ).toBe(200);
  });

  it("failed application passwords block Basic auth and the login form from that address", async () => {
    freezeClock();
    const site = await start();
    const token = await createToken(site);
    const forged = `${token.slice(0, -43)}${"B".repeat(43)}`;
    for (let i = 0; i < 10; i++) {
      expect(
        (await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", { authorization: `Bearer ${forged}` })).body,
      ).toEqual(UNAUTHENTICATED);
    }
    expect(
      (
        await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", {
          authorization: basicAuth(EDITOR.email, EDITOR.password),
        })
      ).body,
    ).toEqual(INVALID_LOGIN);
    expect((await login(site, ATTACKER_IP, EDITOR.email, EDITOR.password)).body).toEqual(INVALID_LOGIN);
    expect(
      (await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", { authorization: `Bearer ${token}` })).body,
    ).toEqual(UNAUTHENTICATED);
    expect(
      (
        await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
          authorization: basicAuth(EDITOR.email, EDITOR.password),
        })
      ).status,
    ).toBe(200);
  });

  it("wrong application passwords sent with an e-mail count for that account", async () => {
    const clock = freezeClock();
    const site = await start({ auth: { revealThrottle: true } });
    const token = await createToken(site);
    const forged = `${token.slice(0, -43)}${"C".repeat(43)}`;
    for (let i = 0; i < 10; i++) {
      const reply = await injectFrom(site.sheaf, `192.0.2.${i + 1}`, "GET", "/api/auth", {
        authorization: basicAuth("ADMIN@example.com", forged),
      });
      expect(reply.body).toEqual(INVALID_LOGIN);
    }
    expect((await login(site, "192.0.2.10", ADMIN.email, ADMIN.password)).body).toMatchObject(RATE_LIMITED);
    clock.advance(1);
    expect((await login(site, "192.0.2.10", ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it("credentials remembered by the Basic verification cache are refused from a blocked address too", async () => {
    freezeClock();
    const site = await start({ auth: { basicCache: 60 } });
    const headers = { authorization: basicAuth(EDITOR.email, EDITOR.password) };
    expect((await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", headers)).status).toBe(200);
    const attempt = loginWith(site, await anonymousSession(site));
    for (let i = 0; i < 10; i++) await attempt(ATTACKER_IP, ADMIN.email, "wrong-password");
    expect((await injectFrom(site.sheaf, ATTACKER_IP, "GET", "/api/auth", headers)).body).toEqual(INVALID_LOGIN);
  });
});

describe("the Basic verification cache", () => {
  /** A new password written by another tool (PHP Kirby, a script), then noticed as the file watcher would. */
  async function setPasswordOnDisk(site: TestSite, password: string): Promise<void> {
    await writeFile(path.join(site.root, "site", "accounts", EDITOR.id, ".htpasswd"), await hashPassword(password));
    await site.sheaf.accounts.refresh(EDITOR.id);
  }

  it("forgets remembered credentials as soon as the password changes on disk", async () => {
    const site = await start({ auth: { basicCache: 60 } });
    const old = { authorization: basicAuth(EDITOR.email, EDITOR.password) };
    expect((await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", old)).status).toBe(200);
    expect((await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", old)).status).toBe(200);

    await setPasswordOnDisk(site, "changed-on-disk-1");
    expect((await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", old)).body).toEqual(INVALID_LOGIN);
    expect(
      (
        await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
          authorization: basicAuth(EDITOR.email, "changed-on-disk-1"),
        })
      ).status,
    ).toBe(200);
  });

  it("never remembers a failure", async () => {
    const site = await start({ auth: { basicCache: 60 } });
    const next = { authorization: basicAuth(EDITOR.email, "the-next-password") };
    expect((await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", next)).body).toEqual(INVALID_LOGIN);
    await setPasswordOnDisk(site, "the-next-password");
    expect((await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", next)).status).toBe(200);
  });

  it("does not let a remembered e-mail and password stand for another spelling or another password", async () => {
    const site = await start({ auth: { basicCache: 60 } });
    expect(
      (
        await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
          authorization: basicAuth(EDITOR.email, EDITOR.password),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
          authorization: basicAuth(EDITOR.email, `${EDITOR.password} `),
        })
      ).body,
    ).toEqual(INVALID_LOGIN);
    expect(
      (
        await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
          authorization: basicAuth(ADMIN.email, EDITOR.password),
        })
      ).body,
    ).toEqual(INVALID_LOGIN);
    const upper = await injectFrom(site.sheaf, OWNER_IP, "GET", "/api/auth", {
      authorization: basicAuth(EDITOR.email.toUpperCase(), EDITOR.password),
    });
    expect(upper.status).toBe(200);
    expect(dataOf(upper)["id"]).toBe(EDITOR.id);
  });
});
