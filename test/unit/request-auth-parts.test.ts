import { beforeEach, describe, expect, it } from "vitest";
import type { Role, User } from "../../src/accounts/types.js";
import type { CredentialChecks } from "../../src/auth/credential-checks.js";
import { IdentityResolver } from "../../src/auth/identity.js";
import { RequestCaller } from "../../src/auth/request-caller.js";
import { RequestCredentials } from "../../src/auth/request-credentials.js";
import { RequestCsrf } from "../../src/auth/request-csrf.js";
import { RequestSessions } from "../../src/auth/request-sessions.js";
import { SessionCookieEmitter } from "../../src/auth/session-cookie-emitter.js";
import { TrustedProxies } from "../../src/auth/trusted-proxies.js";
import { resolveOptions } from "../../src/config/index.js";
import { AuthError } from "../../src/errors.js";
import { MemorySessionStore, SessionManager, signCookieValue, verifyCookieValue } from "../../src/session/index.js";

const OPTIONS = resolveOptions({});
const CSRF = "c".repeat(64);
const TOKEN_LIKE = `sheaf_${"a".repeat(16)}_${"B".repeat(43)}`;

const editor: User = {
  id: "editor01",
  email: "editor@example.com",
  language: null,
  name: null,
  role: "editor",
  dir: "/nowhere",
  passwordHash: null,
  secrets: {},
  passwordTimestamp: null,
  content: {},
};
const panelRole: Role = {
  name: "editor",
  title: "Editor",
  description: null,
  permissions: { access: { panel: true } },
};

let store: MemorySessionStore;
let manager: SessionManager;

function newManager(): SessionManager {
  return new SessionManager(store, {
    durationNormalSeconds: 7200,
    durationLongSeconds: 1_209_600,
    timeoutSeconds: 1800,
    gcInterval: false,
  });
}

beforeEach(() => {
  store = new MemorySessionStore();
  manager = newManager();
});

/** One request's parts, wired as RequestAuth wires them (credential checks refuse: these requests are sessions). */
function partsFor(headers: Record<string, string>, sessionManager = manager) {
  const info = {
    method: "GET",
    headers,
    remoteAddress: "127.0.0.1",
    localAddress: "127.0.0.1",
    localPort: 80,
    encrypted: false,
  };
  const credentials = new RequestCredentials(headers, OPTIONS.session.cookieName, { basicAuth: false, tokens: false });
  const sessions = new RequestSessions(sessionManager, credentials, OPTIONS.cookieKey);
  const csrf = new RequestCsrf(OPTIONS, headers, () => undefined, sessions);
  const refuse = () => Promise.reject(new Error("no Basic or Bearer here"));
  const checks = { basic: refuse, bearer: refuse } as unknown as CredentialChecks;
  const users = { findUser: (id: string) => (id === editor.id ? editor : undefined) };
  const resolver = new IdentityResolver(
    { users, roleOf: () => panelRole } as never,
    credentials,
    sessions,
    csrf,
    checks,
  );
  const caller = new RequestCaller({ options: OPTIONS, proxies: new TrustedProxies([]), audit: null }, info);
  const emitter = new SessionCookieEmitter(OPTIONS, sessionManager, caller, credentials, sessions);
  return { credentials, sessions, csrf, resolver, emitter };
}

async function loggedInCookie(): Promise<string> {
  const session = manager.create();
  session.set("kirby.csrf", CSRF);
  session.set("kirby.userId", editor.id);
  await manager.commit(session);
  // an earlier request verified it: this process now holds it
  await manager.load(session.tokenString, "cookie");
  return `${OPTIONS.session.cookieName}=${signCookieValue(session.tokenString, OPTIONS.cookieKey)}`;
}

describe("request credentials", () => {
  it("recognises Basic and Bearer only when the site accepts them, and everything else as a session request", () => {
    const basic = { authorization: "Basic dTpw" };
    const bearer = { authorization: `Bearer ${TOKEN_LIKE}` };
    const on = { basicAuth: true, tokens: true };
    const off = { basicAuth: false, tokens: false };
    expect(new RequestCredentials(basic, "kirby_session", on).authType).toBe("basic");
    expect(new RequestCredentials(basic, "kirby_session", off).authType).toBe("session");
    expect(new RequestCredentials(bearer, "kirby_session", on).authType).toBe("bearer");
    expect(new RequestCredentials(bearer, "kirby_session", off).authType).toBe("session");
    expect(new RequestCredentials({ authorization: "Bearer not-a-token" }, "kirby_session", on).authType).toBe(
      "session",
    );
    expect(new RequestCredentials(basic, "kirby_session", on).basic()).toEqual({ username: "u", password: "p" });
  });

  it("takes the header-session token from any spelling of the scheme, and only from that scheme", () => {
    expect(
      new RequestCredentials({ authorization: "SESSION abc" }, "kirby_session", { basicAuth: false, tokens: false })
        .headerSessionToken,
    ).toBe("abc");
    expect(
      new RequestCredentials({ authorization: "Bearer abc" }, "kirby_session", { basicAuth: false, tokens: false })
        .headerSessionToken,
    ).toBeNull();
  });
});

describe("identity resolver", () => {
  it("answers without waiting when the cookie session is already in memory", async () => {
    const cookie = await loggedInCookie();
    const identity = partsFor({ cookie, "x-csrf": CSRF }).resolver.resolve();
    expect(identity).not.toBeInstanceOf(Promise);
    expect(identity).toMatchObject({ kind: "session", user: { id: editor.id } });
  });

  it("loads a session this process does not hold, and reaches the same identity", async () => {
    const cookie = await loggedInCookie();
    const identity = partsFor({ cookie, "x-csrf": CSRF }, newManager()).resolver.resolve();
    expect(identity).toBeInstanceOf(Promise);
    await expect(identity).resolves.toMatchObject({ kind: "session", user: { id: editor.id } });
  });

  it("refuses a cross-site request that rides on the cookie without the CSRF token, on both paths", async () => {
    const cookie = await loggedInCookie();
    expect(() => partsFor({ cookie }).resolver.resolve()).toThrow(AuthError);
    await expect(partsFor({ cookie }, newManager()).resolver.resolve()).rejects.toBeInstanceOf(AuthError);
    expect(() => partsFor({ cookie, "x-csrf": "d".repeat(64) }).resolver.resolve()).toThrow(AuthError);
  });
});

describe("session cookie emitter", () => {
  it("sends no cookie and commits nothing for a read that changed no session", async () => {
    const cookie = await loggedInCookie();
    const parts = partsFor({ cookie, "x-csrf": CSRF });
    parts.resolver.resolve();
    const outcome = await parts.emitter.finish();
    expect(outcome.setCookies).toEqual([]);
    expect(outcome.isPrivate).toBe(true);
  });

  it("sends the signed token of a session the request created", async () => {
    const parts = partsFor({});
    const token = await parts.csrf.token();
    const outcome = await parts.emitter.finish();
    expect(outcome.setCookies).toHaveLength(1);
    const value = /^kirby_session=([^;]+)/.exec(outcome.setCookies[0]!)?.[1] ?? "";
    const sessionToken = verifyCookieValue(decodeURIComponent(value), OPTIONS.cookieKey);
    expect(sessionToken).not.toBeNull();
    expect((await manager.load(sessionToken!, "cookie"))?.get("kirby.csrf")).toBe(token);
  });

  it("keeps an anonymous read without cookies public", async () => {
    const outcome = await partsFor({}).emitter.finish();
    expect(outcome).toEqual({ setCookies: [], isPrivate: false, vary: ["Cookie"] });
  });
});
