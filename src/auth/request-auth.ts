import { randomBytes } from "node:crypto";
import { AuthError, PermissionError } from "../errors.js";
import type { Role, User } from "../accounts/types.js";
import type { SheafOptions } from "../config/index.js";
import { safeEqual } from "../crypto/safe-equal.js";
import {
  formatDeletionCookie,
  formatSetCookie,
  readCookie,
  signCookieValue,
  verifyCookieValue,
  formatToken,
  unixNow,
  type Session,
  type SessionManager,
} from "../session/index.js";
import { parseAuthorizationHeader, decodeBasicCredentials } from "./authorization-header.js";
import { generateCsrfToken } from "./csrf.js";
import { resolveEnvironment, type Environment } from "./environment.js";
import { decodeIdnEmail, validatePassword, verifyCurrentPassword, type PasswordCheckOptions, type UserLookup } from "./passwords.js";
import type { RequestInfo } from "./request-info.js";
import type { TrustedProxies } from "./trusted-proxies.js";
import type { BasicAuthCache } from "./basic-cache.js";
import { looksLikeToken, type TokenRecord, type TokenStore } from "../tokens/index.js";
import type { AuditLog, AuditRecord } from "../audit/index.js";
import { randomDelay } from "./delay.js";
import type { Mailer } from "./challenges/mailer.js";
import { DEVICE_COOKIE_NAME, DeviceCookies } from "./device-cookie.js";

/** Who is calling: resolved once per request for routes that need a user. */
export type Identity =
  | { readonly kind: "session"; readonly user: User; readonly role: Role; readonly session: Session }
  /** Basic auth with the password, or with an application password (`token` set). */
  | { readonly kind: "basic"; readonly user: User; readonly role: Role; readonly token?: TokenRecord }
  | { readonly kind: "token"; readonly user: User; readonly role: Role; readonly token: TokenRecord };

export interface AuthServices {
  readonly options: SheafOptions;
  readonly sessions: SessionManager;
  readonly users: UserLookup;
  roleOf(user: User): Role;
  readonly passwords: PasswordCheckOptions;
  readonly proxies: TrustedProxies;
  /** Application passwords, or null when `api.tokens` is off. */
  readonly tokens: TokenStore | null;
  readonly basicCache: BasicAuthCache;
  readonly audit: AuditLog | null;
  /** Delivers login-challenge codes. */
  readonly mailer: Mailer;
  /** Signs and checks known-device cookies (a per-process key when absent). */
  readonly devices?: DeviceCookies;
}

/** Known-device cookies of services that bring no key of their own: valid until the process ends. */
const processDevices = new DeviceCookies(randomBytes(32).toString("hex"));

/** A Basic or Bearer credential that checked out: the user, and the token when one was used. */
interface Credential {
  readonly user: User;
  readonly token?: TokenRecord;
}

const CSRF_KEY = "kirby.csrf";
const NO_SESSION: Promise<Session | null> = Promise.resolve(null);
const VARY_COOKIE: readonly string[] = ["Cookie"];
const VARY_COOKIE_AUTHORIZATION: readonly string[] = ["Cookie", "Authorization"];
const USER_KEY = "kirby.userId";
const LOGIN_TIME_KEY = "kirby.loginTimestamp";
const RESET_PASSWORD_KEY = "kirby.resetPassword";

export interface AuthOutcome {
  readonly setCookies: readonly string[];
  /** The response depends on the caller's cookie or Authorization: `Cache-Control: no-store, private`. */
  readonly isPrivate: boolean;
  /** Request inputs the response varies on when it is not private. */
  readonly vary: readonly string[];
}

/**
 * Authentication state of one request: lazily loads the cookie and header sessions, checks CSRF, resolves the
 * user (session or Basic), performs login/logout on the cookie session, and at the end commits sessions and
 * tells `http/` which cookies to send.
 */
export class RequestAuth {
  private environmentValue: Environment | null = null;
  private cookieSessionPromise: Promise<Session | null> | null = null;
  /** The cookie session once loaded (undefined while not known). */
  private cookieSessionKnown: Session | null | undefined = undefined;
  private headerSessionPromise: Promise<Session | null> | null = null;
  private createdCookieSession: Session | null = null;
  private basicUserPromise: Promise<Credential> | null = null;
  private bearerPromise: Promise<Credential> | null = null;
  private identityResolved = false;
  /** Set when the answer depended on the caller's session (CSRF check, login, session routes). */
  private sessionConsulted = false;
  /** Sessions this request loaded or created: committed by `finish`. */
  private touched: Set<Session> | null = null;
  /** The raw `kirby_session` value: read once (null until then). */
  private rawCookieValue: string | undefined | null = null;
  /** Cookies other than the session's to send (a known-device cookie after a login). */
  private extraCookies: string[] | null = null;

  constructor(
    private readonly services: AuthServices,
    readonly info: RequestInfo,
    private readonly queryParam: (name: string) => string | undefined,
  ) {}

  get options(): SheafOptions {
    return this.services.options;
  }

  get environment(): Environment {
    this.environmentValue ??= resolveEnvironment(this.info, this.options.url, {
      viaTrustedProxy: !this.services.proxies.isEmpty && this.services.proxies.isTrusted(this.info.remoteAddress),
    });
    return this.environmentValue;
  }

  /** The client's address: the peer, or across trusted proxies the right-most untrusted forwarded address. */
  get clientIp(): string {
    return this.services.proxies.isEmpty ? this.info.remoteAddress : this.services.proxies.clientAddress(this.info.remoteAddress, this.info.headers);
  }

  get userAgent(): string | null {
    return this.info.headers["user-agent"] ?? null;
  }

  /** Writes an audit entry with this request's address and user agent (never awaited by callers' answers). */
  audit(record: AuditRecord): Promise<void> {
    return this.services.audit?.record({ ip: this.clientIp, userAgent: this.userAgent, ...record }) ?? Promise.resolve();
  }

  private get cookieName(): string {
    return this.options.session.cookieName;
  }

  private get rawCookie(): string | undefined {
    if (this.rawCookieValue === null) this.rawCookieValue = readCookie(this.info.headers["cookie"], this.cookieName);
    return this.rawCookieValue;
  }

  private touch(session: Session): void {
    (this.touched ??= new Set()).add(session);
  }

  private get authorization() {
    return parseAuthorizationHeader(this.info.headers["authorization"]);
  }

  /** The session of the `kirby_session` cookie, if valid. */
  cookieSession(): Promise<Session | null> {
    this.cookieSessionPromise ??= this.loadCookieSession();
    return this.cookieSessionPromise;
  }

  private loadCookieSession(): Promise<Session | null> {
    const raw = this.rawCookie;
    const token = raw ? verifyCookieValue(raw, this.options.cookieKey) : null;
    if (!token) {
      this.cookieSessionKnown = null;
      return NO_SESSION;
    }
    // a session this process already holds is answered without a detour through the store
    const known = this.services.sessions.loadKnown(token, "cookie");
    if (known !== undefined) {
      this.cookieSessionKnown = known;
      if (known) this.touch(known);
      return Promise.resolve(known);
    }
    return this.services.sessions.load(token, "cookie").then((session) => {
      this.cookieSessionKnown = session;
      if (session) this.touch(session);
      return session;
    });
  }

  /** The session of `Authorization: Session <token>`, if that header is sent (no fallback to the cookie). */
  private headerSession(): Promise<Session | null> {
    this.headerSessionPromise ??= (async () => {
      const header = this.info.headers["authorization"];
      if (!header || header.slice(0, 8).toLowerCase() !== "session ") return null;
      const session = await this.services.sessions.load(header.slice(8), "header");
      if (session) this.touch(session);
      return session;
    })();
    return this.headerSessionPromise;
  }

  private get usesHeaderSession(): boolean {
    const header = this.info.headers["authorization"];
    return header !== undefined && header.slice(0, 8).toLowerCase() === "session ";
  }

  /** The session a request acts in: the header session when that transport is used, else the cookie session. */
  currentSession(): Promise<Session | null> {
    if (this.usesHeaderSession) return this.headerSession();
    const loading = this.cookieSession();
    if (this.cookieSessionKnown !== undefined) return this.cookieSessionKnown ? loading : Promise.resolve(this.createdCookieSession);
    return loading.then((session) => session ?? this.createdCookieSession);
  }

  /**
   * `basic` when Basic auth is enabled and sent; `bearer` when an application password is sent as a Bearer token;
   * otherwise the request is a session request (docs/kirby-compat/auth-and-sessions.md#authorization-header; a Bearer
   * value that is no Sheaf token stays a session request, as in Kirby).
   */
  get authType(): "basic" | "bearer" | "session" {
    const header = this.authorization;
    if (this.options.api.basicAuth && header?.scheme === "basic") return "basic";
    if (this.services.tokens && header?.scheme === "bearer" && looksLikeToken(header.payload.trim())) return "bearer";
    return "session";
  }

  private expectedCsrf(session: Session | null): string | null {
    if (this.options.api.csrf !== null) return this.options.api.csrf;
    if (this.options.panel.dev) return "dev";
    const token = session?.get(CSRF_KEY);
    return typeof token === "string" ? token : null;
  }

  private suppliedCsrf(): string {
    const header = this.info.headers["x-csrf"];
    if (header !== undefined) return header;
    // a token in the URL ends up in logs, history and Referer headers: a site may refuse it
    return this.options.api.csrfQuery ? (this.queryParam("csrf") ?? "") : "";
  }

  /** Constant-time CSRF check of a session request against its own session (or the fixed `api.csrf`). */
  async isCsrfValid(): Promise<boolean> {
    this.sessionConsulted = true;
    return this.csrfMatches(await this.currentSession());
  }

  private csrfMatches(session: Session | null): boolean {
    const expected = this.expectedCsrf(session);
    const supplied = this.suppliedCsrf();
    return expected !== null && supplied !== "" && safeEqual(supplied, expected);
  }

  /**
   * The user logged in to a session, honouring the password-change invalidation
   * (docs/kirby-compat/auth-and-sessions.md#session-identity).
   */
  sessionUser(session: Session): User | null {
    const id = session.get(USER_KEY);
    if (typeof id !== "string" || id === "") return null;
    const user = this.services.users.findUser(id);
    if (!user) return null;
    if (user.passwordTimestamp !== null) {
      const loginTime = session.get(LOGIN_TIME_KEY);
      if (typeof loginTime !== "number" || !Number.isInteger(loginTime) || loginTime < user.passwordTimestamp) {
        session.remove(USER_KEY);
        session.remove(LOGIN_TIME_KEY);
        return null;
      }
    }
    return user;
  }

  /** Refuses credentials sent over plain HTTP (unless `api.allowInsecure`), saying what was seen when asked to. */
  private requireSecureTransport(scheme: "Basic" | "Bearer"): void {
    if (this.environment.isHttps || this.options.api.allowInsecure) return;
    // Kirby's answer has no details; a site that configures Sheaf's trusted proxies is told what was seen
    const explain = !this.services.proxies.isEmpty;
    throw new PermissionError({
      message: `${scheme} authentication is only allowed over HTTPS`,
      ...(explain
        ? {
            details: {
              scheme: "http",
              peer: this.info.remoteAddress,
              trustedProxy: !this.services.proxies.isEmpty && this.services.proxies.isTrusted(this.info.remoteAddress),
              forwardedProto: this.info.headers["x-forwarded-proto"] ?? this.info.headers["forwarded"] ?? null,
            },
          }
        : {}),
    });
  }

  /** An application password presented for a user: the same limiter as passwords, no 2FA exemption needed. */
  private async checkToken(token: string, expectedUser: string | null): Promise<Credential> {
    const tokens = this.services.tokens;
    const throttle = this.services.passwords.throttle;
    const ip = this.clientIp;
    const email = expectedUser === null ? "" : decodeIdnEmail(expectedUser).toLowerCase();
    const owner = expectedUser === null ? undefined : this.services.users.findUser(email);
    const decision = await throttle.quickCheck(ip, email, owner !== undefined);
    if (decision.blocked) {
      void this.audit({ event: "login.blocked", details: { method: "token", email: expectedUser } });
      throw this.refusal(expectedUser !== null, decision.retryAfterSeconds);
    }
    const verified = tokens ? tokens.verify(token, unixNow()) : ({ ok: false, reason: "unknown" } as const);
    const holder = verified.ok ? this.services.users.findUser(verified.record.userId) : undefined;
    // a password change made anywhere (the CLI, PHP Kirby) also ends the application passwords issued before it
    const outdated = verified.ok && holder?.passwordTimestamp != null && holder.passwordTimestamp > verified.record.createdAt;
    const check = outdated ? ({ ok: false, reason: "revoked" } as const) : verified;
    const user = check.ok ? holder : undefined;
    const matches = user !== undefined && (owner === undefined ? expectedUser === null : owner.id === user.id);
    if (!check.ok || !user || !matches) {
      await throttle.track(ip, owner ? email : null);
      void this.audit({ event: "login.failure", details: { method: "token", reason: check.ok ? "wrong-user" : check.reason } });
      await randomDelay(this.services.passwords.failureDelayMs[0], this.services.passwords.failureDelayMs[1]);
      throw expectedUser === null ? new AuthError() : new PermissionError({ key: "access.login" });
    }
    if (check.firstUseInAWhile) {
      void this.audit({ event: "token.use", actor: { id: user.id, email: user.email }, target: { token: check.record.id } });
    }
    void tokens?.markUsed(check.record, ip, unixNow()).catch(() => undefined);
    return { user, token: check.record };
  }

  private refusal(maskAsLogin: boolean, retryAfterSeconds: number): Error {
    if (this.options.auth.revealThrottle || this.options.auth.debug === true) {
      return new PermissionError({
        message: "Rate limit exceeded",
        details: { reason: "rate-limited" },
        headers: this.options.auth.revealThrottle ? { "retry-after": String(retryAfterSeconds) } : {},
      });
    }
    return maskAsLogin ? new PermissionError({ key: "access.login" }) : new AuthError();
  }

  /**
   * Basic auth (docs/kirby-compat/auth-and-sessions.md#basic), with an application password accepted as the password;
   * failures are remembered.
   */
  basicUser(): Promise<User> {
    return this.basicCredential().then((credential) => credential.user);
  }

  private basicCredential(): Promise<Credential> {
    this.basicUserPromise ??= (async () => {
      const methods = this.options.auth.methods;
      if (!this.options.api.basicAuth) throw new PermissionError({ message: "Basic authentication is not activated" });
      const { username, password } = decodeBasicCredentials(this.authorization?.payload ?? "");
      const isToken = this.services.tokens !== null && looksLikeToken(password);
      if (!isToken) {
        if (!("password" in methods)) throw new PermissionError({ message: "Login with password is not enabled" });
        if (Object.values(methods).some((method) => method["2fa"] === true)) {
          throw new PermissionError({ message: "Basic authentication cannot be used with 2FA" });
        }
      }
      this.requireSecureTransport("Basic");
      if (isToken) return this.checkToken(password, username);
      const cache = this.services.basicCache;
      const cachedId = cache.get(username, password, (id) => this.services.users.findUser(id)?.passwordHash ?? null);
      const cachedUser = cachedId ? this.services.users.findUser(cachedId) : undefined;
      if (cachedUser) {
        // a remembered check is still refused from an address (or for an account) that is blocked now
        const email = decodeIdnEmail(username).toLowerCase();
        if (!(await this.services.passwords.throttle.quickCheck(this.clientIp, email, true)).blocked) return { user: cachedUser };
      }
      const user = await validatePassword(this.services.passwords, username, password, this.clientIp, this.userAgent);
      if (user.passwordHash) cache.remember(username, password, user.id, user.passwordHash);
      return { user };
    })();
    return this.basicUserPromise;
  }

  /** `Authorization: Bearer <application password>`: no CSRF, the same HTTPS rule as Basic auth. */
  private bearerCredential(): Promise<Credential> {
    this.bearerPromise ??= (async () => {
      this.requireSecureTransport("Bearer");
      return this.checkToken((this.authorization?.payload ?? "").trim(), null);
    })();
    return this.bearerPromise;
  }

  /**
   * Identity for a route that requires authentication (docs/kirby-compat/auth-and-sessions.md#protected-routes): CSRF,
   * user, `access.panel`. Callers on the hot path try `knownIdentity()` first.
   */
  async requireIdentity(): Promise<Identity> {
    this.identityResolved = true;
    const type = this.authType;
    if (type === "basic") {
      const { user, token } = await this.basicCredential();
      const role = this.services.roleOf(user);
      return this.withPanelAccess(token ? { kind: "basic", user, role, token } : { kind: "basic", user, role });
    }
    if (type === "bearer") {
      const { user, token } = await this.bearerCredential();
      return this.withPanelAccess({ kind: "token", user, role: this.services.roleOf(user), token: token as TokenRecord });
    }
    const session = await this.currentSession();
    this.sessionConsulted = true;
    return this.sessionIdentity(session);
  }

  /**
   * The identity of a session request whose session is already in memory (the common read): the answer and the
   * errors of `requireIdentity`, without waiting. Undefined when a credential must be checked or a session loaded.
   */
  knownIdentity(): Identity | undefined {
    if (this.usesHeaderSession || this.authType !== "session") return undefined;
    void this.cookieSession();
    if (this.cookieSessionKnown === undefined) return undefined;
    this.identityResolved = true;
    this.sessionConsulted = true;
    return this.sessionIdentity(this.cookieSessionKnown ?? this.createdCookieSession);
  }

  private sessionIdentity(session: Session | null): Identity {
    if (!this.csrfMatches(session)) throw new AuthError();
    const user = session ? this.sessionUser(session) : null;
    if (!session || !user) throw new AuthError();
    return this.withPanelAccess({ kind: "session", user, role: this.services.roleOf(user), session });
  }

  private withPanelAccess(identity: Identity): Identity {
    if (identity.role.permissions["access"]?.["panel"] !== true) throw new AuthError({ key: "access.panel" });
    return identity;
  }

  private get devices(): DeviceCookies {
    return this.services.devices ?? processDevices;
  }

  /** The user whose earlier login on this browser its device cookie proves, or null. */
  knownDeviceUserId(): string | null {
    const value = readCookie(this.info.headers["cookie"], DEVICE_COOKIE_NAME);
    return this.devices.verify(value, unixNow())?.userId ?? null;
  }

  /**
   * Remembers this browser as a device `user` logged in from (a long-lived signed cookie). Only over HTTPS: the
   * cookie lets its holder past the account-wide slow-down, so it must not travel in clear.
   */
  rememberDevice(user: User): void {
    let https = false;
    let cookiePath = "/";
    try {
      https = this.environment.isHttps;
      cookiePath = this.environment.indexPath;
    } catch {
      return;
    }
    if (!https) return;
    const now = unixNow();
    (this.extraCookies ??= []).push(this.devices.setCookie(this.devices.issue(user.id, now), now, cookiePath));
  }

  /** The cookie session, created (and so sent to the client) when there is none yet. */
  async openCookieSession({ long = false }: { long?: boolean } = {}): Promise<Session> {
    const existing = (await this.cookieSession()) ?? this.createdCookieSession;
    if (existing) return existing;
    const session = this.services.sessions.create({ long });
    this.createdCookieSession = session;
    this.touch(session);
    return session;
  }

  /** The CSRF token of the cookie session, creating session and token when needed (or the fixed token). */
  async csrfToken(): Promise<string> {
    const session = await this.openCookieSession();
    if (this.options.api.csrf !== null) return this.options.api.csrf;
    if (this.options.panel.dev) return "dev";
    let token = session.get(CSRF_KEY);
    if (typeof token !== "string") {
      token = generateCsrfToken();
      session.set(CSRF_KEY, token);
    }
    return token as string;
  }

  /**
   * The CSRF token for a page being rendered, once `cookieSession()` has resolved: synchronous, so templates can
   * call `csrf()`. Creates the session (and so a cookie) only when a template asks for a token.
   */
  csrfTokenFor(loaded: Session | null): string {
    if (this.options.api.csrf !== null) return this.options.api.csrf;
    if (this.options.panel.dev) return "dev";
    let session = loaded ?? this.createdCookieSession;
    if (!session) {
      session = this.services.sessions.create();
      this.createdCookieSession = session;
      this.touch(session);
    }
    let token = session.get(CSRF_KEY);
    if (typeof token !== "string") {
      token = generateCsrfToken();
      session.set(CSRF_KEY, token);
    }
    return token as string;
  }

  /**
   * Logs a user in to the cookie session: long upgrade, new token, login time. The pre-login token dies at once
   * (Kirby lets it forward for 30 s); tokens issued on the way forward to the last one.
   */
  async logIn(user: User, { long }: { long: boolean }): Promise<Session> {
    const existing = (await this.cookieSession()) ?? this.createdCookieSession;
    let session: Session;
    if (existing) {
      session = existing;
      if (long) this.services.sessions.extendToLong(session);
      this.services.sessions.regenerate(session, { privilegeChange: true });
    } else {
      session = await this.openCookieSession({ long });
    }
    session.set(USER_KEY, user.id);
    // a reset permission belongs to the login that earned it (the code route grants it again after this)
    session.remove(RESET_PASSWORD_KEY);
    // Kirby's CSRF check of a session login always leaves a token in the session (even with `api.csrf`), so a
    // later logout renews the session instead of ending it
    if (this.authType === "session" && typeof session.get(CSRF_KEY) !== "string") session.set(CSRF_KEY, generateCsrfToken());
    if (user.passwordTimestamp !== null) session.set(LOGIN_TIME_KEY, unixNow());
    else session.remove(LOGIN_TIME_KEY);
    session.record.meta = { createdIp: this.clientIp, ...(this.userAgent ? { userAgent: this.userAgent.slice(0, 300) } : {}) };
    return session;
  }

  /** Logs out of the cookie session: data left ⇒ new token; nothing left ⇒ session destroyed. */
  async logOut(): Promise<void> {
    if (this.usesHeaderSession) {
      // a header-transport client cannot be handed a new token: its session simply ends
      const headerSession = await this.headerSession();
      if (headerSession) this.services.sessions.destroy(headerSession);
      return;
    }
    const session = await this.cookieSession();
    if (!session) return;
    const hadUser = typeof session.get(USER_KEY) === "string";
    for (const key of ["kirby.challenge.code", "kirby.challenge.email", "kirby.challenge.mode", "kirby.challenge.timeout", "kirby.challenge.type"]) {
      session.remove(key);
    }
    // Kirby keeps it, so the next person to log in with this browser could set a password without the current one
    session.remove(RESET_PASSWORD_KEY);
    if (!hadUser) return;
    session.remove(USER_KEY);
    session.remove(LOGIN_TIME_KEY);
    // the old token forwards to the (now anonymous) session for the grace period, as in Kirby
    if (session.isEmpty) this.services.sessions.destroy(session);
    else this.services.sessions.regenerate(session, { privilegeChange: false });
  }

  /** Commits every session this request touched and returns the cookies and caching facts to send. */
  finish(): Promise<AuthOutcome> {
    let pending = false;
    // a forwarded session is unchanged but still hands its client the current token
    for (const session of this.touched ?? []) pending ||= session.isChanged || session.issuedTokens.length > 0;
    // the common read changed nothing: no commit, no cookie, no wait
    if (!pending) return Promise.resolve(this.outcome(this.extraCookies ?? []));
    // the session's cookie comes last, as clients that keep "the last cookie" expect
    return this.commitTouched().then(() => this.outcome([...(this.extraCookies ?? []), ...this.cookiesToSend()]));
  }

  private async commitTouched(): Promise<void> {
    for (const session of this.touched ?? []) await this.services.sessions.commit(session);
  }

  private cookiesToSend(): string[] {
    const setCookies: string[] = [];
    const now = unixNow();
    let cookiePath = "/";
    let secure = false;
    try {
      cookiePath = this.options.session.cookieDomain ? "/" : this.environment.indexPath;
      secure = this.environment.isHttps;
    } catch {
      // environment not allowed: the error response carries no cookie anyway
    }
    for (const session of this.touched ?? []) {
      if (session.transport !== "cookie") continue;
      if (session.isDestroyed) {
        if (!session.isNew) setCookies.push(formatDeletionCookie(this.cookieName, "/", this.options.session.cookieDomain, secure));
        continue;
      }
      for (const token of session.issuedTokens) {
        setCookies.push(
          formatSetCookie({
            name: this.cookieName,
            value: signCookieValue(formatToken(token), this.options.cookieKey),
            expiresAtUnix: token.expiresAtUnix,
            nowUnix: now,
            path: cookiePath,
            domain: this.options.session.cookieDomain,
            secure,
          }),
        );
      }
    }
    return setCookies;
  }

  private outcome(setCookies: string[]): AuthOutcome {
    const sentCookie = this.rawCookie !== undefined;
    const sentAuthorization = this.info.headers["authorization"] !== undefined;
    const consultedAuthorization = this.options.api.basicAuth || this.usesHeaderSession;
    const isPrivate =
      this.identityResolved || this.sessionConsulted || setCookies.length > 0 || sentCookie || (sentAuthorization && consultedAuthorization);
    return { setCookies, isPrivate, vary: consultedAuthorization ? VARY_COOKIE_AUTHORIZATION : VARY_COOKIE };
  }

  /** The mailer for login-challenge codes. */
  get mailer(): Mailer {
    return this.services.mailer;
  }

  // ---- password change of the logged-in user -------------------------------------------------------------------

  /**
   * The checks before a password change: an application password (Bearer, or Basic with a token) is refused, as a
   * token is never more than its owner and must not become a way to their password; unless `resetting`, the
   * acting user's current password is verified, throttled and audited like a login.
   */
  async checkPasswordChange(identity: Identity | null, actor: User, currentPassword: string, { resetting }: { resetting: boolean }): Promise<void> {
    if (identity?.kind === "token" || (identity?.kind === "basic" && identity.token !== undefined)) {
      throw new PermissionError({ message: "Passwords cannot be changed with an application password" });
    }
    if (resetting) return;
    await verifyCurrentPassword(this.services.passwords, actor, currentPassword, this.clientIp, this.userAgent);
  }

  /**
   * Keeps `session` logged in after its user changed their own password
   * (docs/kirby-compat/auth-and-sessions.md#password-change): a new token (for cookies; the old token stops working at
   * once) and a login time not older than the new `.htpasswd`, so that only the user's other sessions are logged out. A
   * password-reset permission is used up.
   */
  renewLoginAfterPasswordChange(session: Session, passwordTimestamp: number | null): void {
    // A header-transport client is never told a new token; regenerating would log it out.
    // the acting client's old token forwards to the new one for the grace period
    // (docs/kirby-compat/auth-and-sessions.md#lifecycle)
    if (session.transport === "cookie") this.services.sessions.regenerate(session, { privilegeChange: false });
    session.set(LOGIN_TIME_KEY, Math.max(unixNow(), passwordTimestamp ?? 0));
    session.remove(RESET_PASSWORD_KEY);
    this.touch(session);
  }
}
