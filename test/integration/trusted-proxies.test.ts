/**
 * The `trustedProxies` option through HTTP: only a request arriving from a listed hop has its `Forwarded` /
 * `X-Forwarded-*` headers believed, for HTTPS (Basic auth, Bearer tokens, secure cookies) and for the client
 * address (throttling, session and token records); from anywhere else the headers are ignored, and the refusal
 * says what was seen.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryThrottleStore } from "../../src/auth/index.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  INVALID_LOGIN,
  itemsOf,
  startSite,
  type TestSite,
  basicAuth,
  injectFrom,
} from "./helpers.js";

afterEach(async () => {
  await cleanUp();
});

const PROXY = "127.0.0.1";
const HTTPS_ONLY = "Basic authentication is only allowed over HTTPS";

async function start(config: Record<string, unknown>): Promise<TestSite> {
  const site = await startSite({
    memorySessions: true,
    config: { api: { basicAuth: true }, ...config },
    extra: { throttleStore: new MemoryThrottleStore() },
  });
  return site;
}

function adminBasic(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: basicAuth(ADMIN.email, ADMIN.password), ...extra };
}

describe("HTTPS behind a trusted proxy", () => {
  it("believes X-Forwarded-Proto: https from a trusted proxy, so Basic auth is allowed", async () => {
    const site = await start({ trustedProxies: [PROXY] });
    const reply = await injectFrom(site.sheaf, PROXY, "GET", "/api/auth", adminBasic({ "x-forwarded-proto": "https" }));
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["id"]).toBe(ADMIN.id);

    const forwarded = await injectFrom(
      site.sheaf,
      PROXY,
      "GET",
      "/api/auth",
      adminBasic({ forwarded: "for=198.51.100.3;proto=https" }),
    );
    expect(forwarded.status).toBe(200);
  });

  it("refuses Basic auth from the trusted proxy when it forwards plain HTTP, and says what it saw", async () => {
    const site = await start({ trustedProxies: [PROXY] });
    for (const [headers, proto] of [
      [{}, null],
      [{ "x-forwarded-proto": "http" }, "http"],
    ] as const) {
      const reply = await injectFrom(site.sheaf, PROXY, "GET", "/api/auth", adminBasic(headers));
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({
        message: HTTPS_ONLY,
        details: { scheme: "http", peer: PROXY, trustedProxy: true, forwardedProto: proto },
      });
    }
  });

  it("ignores the headers from an untrusted peer, and the refusal's details say so", async () => {
    const site = await start({ trustedProxies: [PROXY] });
    const reply = await injectFrom(
      site.sheaf,
      "192.0.2.50",
      "GET",
      "/api/auth",
      adminBasic({ "x-forwarded-proto": "https" }),
    );
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      message: HTTPS_ONLY,
      details: { scheme: "http", peer: "192.0.2.50", trustedProxy: false, forwardedProto: "https" },
    });
  });

  it("applies the same rule to Bearer tokens", async () => {
    const site = await start({ trustedProxies: [PROXY] });
    const created = await injectFrom(
      site.sheaf,
      PROXY,
      "POST",
      "/api/account/tokens",
      adminBasic({ "x-forwarded-proto": "https" }),
      { name: "ci" },
    );
    expect(created.status).toBe(200);
    const bearer = { authorization: `Bearer ${dataOf(created)["token"] as string}` };
    expect(
      (await injectFrom(site.sheaf, PROXY, "GET", "/api/auth", { ...bearer, "x-forwarded-proto": "https" })).status,
    ).toBe(200);
    const untrusted = await injectFrom(site.sheaf, "192.0.2.50", "GET", "/api/auth", {
      ...bearer,
      "x-forwarded-proto": "https",
    });
    expect(untrusted.status).toBe(403);
    expect(untrusted.body).toMatchObject({
      message: "Bearer authentication is only allowed over HTTPS",
      details: { trustedProxy: false },
    });
  });

  it("without the option, forwarded headers are ignored and the refusal is Kirby's, with no details", async () => {
    const site = await start({});
    const reply = await injectFrom(site.sheaf, PROXY, "GET", "/api/auth", adminBasic({ "x-forwarded-proto": "https" }));
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      status: "error",
      message: HTTPS_ONLY,
      code: 403,
      key: "error.permission",
      details: [],
    });
  });

  it("marks the session cookie Secure when a trusted proxy forwards HTTPS", async () => {
    const site = await start({ trustedProxies: [PROXY] });
    const viaProxy = await injectFrom(site.sheaf, PROXY, "GET", "/api/auth/csrf", { "x-forwarded-proto": "https" });
    expect(viaProxy.setCookies[0]).toMatch(/; secure/i);
    const direct = await injectFrom(site.sheaf, "192.0.2.50", "GET", "/api/auth/csrf", {
      "x-forwarded-proto": "https",
    });
    expect(direct.setCookies[0]).not.toMatch(/; secure/i);
  });

  it("accepts CIDR ranges and IPv6 proxies", async () => {
    const site = await start({ trustedProxies: ["10.0.0.0/8", "fd00::/8"] });
    for (const peer of ["10.1.2.3", "fd00::17"]) {
      expect(
        (await injectFrom(site.sheaf, peer, "GET", "/api/auth", adminBasic({ "x-forwarded-proto": "https" }))).status,
        peer,
      ).toBe(200);
    }
    for (const peer of ["11.1.2.3", "fe80::1"]) {
      expect(
        (await injectFrom(site.sheaf, peer, "GET", "/api/auth", adminBasic({ "x-forwarded-proto": "https" }))).status,
        peer,
      ).toBe(403);
    }
  });

  it("refuses to start with an entry that is not an address or range", async () => {
    await expect(startSite({ config: { trustedProxies: ["10.0.0.0/8", "proxy.internal"] } })).rejects.toThrow(
      /trustedProxies/,
    );
  });
});

describe("the client address behind a trusted proxy", () => {
  const CONFIG = { trustedProxies: ["127.0.0.1", "10.0.0.0/8"], api: { basicAuth: true, allowInsecure: true } };

  async function failLogins(
    site: TestSite,
    peer: string,
    headers: Record<string, string> | ((i: number) => Record<string, string>),
    times = 10,
  ): Promise<void> {
    for (let i = 0; i < times; i++) {
      const extra = typeof headers === "function" ? headers(i) : headers;
      const reply = await injectFrom(site.sheaf, peer, "GET", "/api/auth", {
        authorization: basicAuth(EDITOR.email, `wrong-${i}-password`),
        ...extra,
      });
      expect(reply.body).toEqual(INVALID_LOGIN);
    }
  }

  async function canLogIn(site: TestSite, peer: string, headers: Record<string, string>): Promise<boolean> {
    const reply = await injectFrom(site.sheaf, peer, "GET", "/api/auth", {
      authorization: basicAuth(ADMIN.email, ADMIN.password),
      ...headers,
    });
    return reply.status === 200;
  }

  it("throttles the forwarded client, not the proxy", async () => {
    const site = await start({ ...CONFIG, auth: { basicCache: 0 } });
    await failLogins(site, "10.0.0.2", { "x-forwarded-for": "198.51.100.1" });
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "198.51.100.1" })).toBe(false);
    // other visitors behind the same proxy are not blocked
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "198.51.100.2" })).toBe(true);
    expect(await canLogIn(site, "127.0.0.1", {})).toBe(true);
  });

  it("takes the right-most untrusted address, so a spoofed left part changes nothing", async () => {
    const site = await start({ ...CONFIG, auth: { basicCache: 0 } });
    // the client writes its own X-Forwarded-For; the proxy appends the address it saw
    await failLogins(site, "10.0.0.2", (i) => ({ "x-forwarded-for": `203.0.113.${i + 1}, 198.51.100.9` }));
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "192.0.2.99, 198.51.100.9" })).toBe(false);
    // a chain through a second trusted hop ends at the same client
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "198.51.100.9, 10.0.0.7" })).toBe(false);
    expect(await canLogIn(site, "10.0.0.2", { forwarded: "for=198.51.100.9, for=10.0.0.7" })).toBe(false);
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "198.51.100.10" })).toBe(true);
  });

  it("ignores X-Forwarded-For from an untrusted peer: rotating it does not escape the block", async () => {
    const site = await start({ ...CONFIG, auth: { basicCache: 0 } });
    await failLogins(site, "192.0.2.77", (i) => ({ "x-forwarded-for": `203.0.113.${i + 1}` }));
    expect(await canLogIn(site, "192.0.2.77", { "x-forwarded-for": "203.0.113.200" })).toBe(false);
    expect(await canLogIn(site, "10.0.0.2", { "x-forwarded-for": "203.0.113.1" })).toBe(true);
  });

  it("records the forwarded client in sessions and application passwords", async () => {
    const site = await start(CONFIG);
    const forwarded = { "x-forwarded-for": "198.51.100.44", "x-forwarded-proto": "https" };
    const csrfReply = await injectFrom(site.sheaf, "10.0.0.2", "GET", "/api/auth/csrf", forwarded);
    const csrf = (csrfReply.body as { csrf: string }).csrf;
    const login = await injectFrom(
      site.sheaf,
      "10.0.0.2",
      "POST",
      "/api/auth/login",
      { ...forwarded, cookie: csrfReply.setCookies[0]!.split(";")[0]!, "x-csrf": csrf },
      {
        email: ADMIN.email,
        password: ADMIN.password,
      },
    );
    expect(login.status).toBe(200);
    const cookie = login.setCookies.at(-1)!.split(";")[0]!;
    const sessions = await injectFrom(site.sheaf, "10.0.0.2", "GET", "/api/account/sessions", {
      ...forwarded,
      cookie,
      "x-csrf": csrf,
    });
    expect(itemsOf(sessions)[0]).toMatchObject({ ip: "198.51.100.44", current: true });

    const created = await injectFrom(
      site.sheaf,
      "10.0.0.2",
      "POST",
      "/api/account/tokens",
      { ...forwarded, cookie, "x-csrf": csrf },
      { name: "ci" },
    );
    const token = dataOf(created)["token"] as string;
    expect(
      (
        await injectFrom(site.sheaf, "10.0.0.2", "GET", "/api/auth", {
          authorization: `Bearer ${token}`,
          "x-forwarded-for": "198.51.100.45",
        })
      ).status,
    ).toBe(200);
    const tokens = await injectFrom(site.sheaf, "10.0.0.2", "GET", "/api/account/tokens", {
      ...forwarded,
      cookie,
      "x-csrf": csrf,
    });
    expect(itemsOf(tokens)[0]).toMatchObject({ lastUsedIp: "198.51.100.45" });
  });
});
