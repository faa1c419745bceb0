import type { User } from "../accounts/types.js";
import type { AuditRecord } from "../audit/index.js";
import type { SheafOptions } from "../config/index.js";
import type { Session } from "../session/index.js";
import type { Mailer } from "../mail/mailer.js";
import { CredentialChecks } from "./credential-checks.js";
import type { Environment } from "./environment.js";
import { IdentityResolver, type Identity } from "./identity.js";
import { LoginFlow } from "./login-flow.js";
import { RequestCaller } from "./request-caller.js";
import { RequestCredentials, type AuthType } from "./request-credentials.js";
import { RequestCsrf } from "./request-csrf.js";
import type { RequestInfo } from "./request-info.js";
import { RequestSessions } from "./request-sessions.js";
import type { IdentitySource, RouteAuth } from "./route-auth.js";
import type { AuthServices } from "./services.js";
import { SessionCookieEmitter, type AuthOutcome } from "./session-cookie-emitter.js";
import { sessionUser } from "./session-login.js";

export type { AuthServices } from "./services.js";
export type { Identity } from "./identity.js";
export type { AuthOutcome } from "./session-cookie-emitter.js";

/**
 * Authentication of one request, put together from its parts: the caller, its credentials, its sessions, CSRF, the
 * identity resolver, the login flow, and the cookie emitter that `http/` asks for the cookies to send at the end.
 */
export class RequestAuth implements RouteAuth, IdentitySource {
  private readonly caller: RequestCaller;
  private readonly credentials: RequestCredentials;
  private readonly sessions: RequestSessions;
  private readonly csrf: RequestCsrf;
  private readonly checks: CredentialChecks;
  private readonly resolver: IdentityResolver;
  private readonly cookies: SessionCookieEmitter;
  private readonly login: LoginFlow;

  constructor(
    private readonly services: AuthServices,
    readonly info: RequestInfo,
    queryParam: (name: string) => string | undefined,
  ) {
    const { options } = services;
    this.caller = new RequestCaller(services, info);
    this.credentials = new RequestCredentials(info.headers, options.session.cookieName, {
      basicAuth: options.api.basicAuth,
      tokens: services.tokens !== null,
    });
    this.sessions = new RequestSessions(services.sessions, this.credentials, options.cookieKey);
    this.csrf = new RequestCsrf(options, info.headers, queryParam, this.sessions);
    this.checks = new CredentialChecks(services, this.caller, this.credentials);
    this.resolver = new IdentityResolver(services, this.credentials, this.sessions, this.csrf, this.checks);
    this.cookies = new SessionCookieEmitter(options, services.sessions, this.caller, this.credentials, this.sessions);
    this.login = new LoginFlow(services, this.caller, this.credentials, this.sessions, this.cookies);
  }

  get options(): SheafOptions {
    return this.services.options;
  }

  get environment(): Environment {
    return this.caller.environment;
  }

  get clientIp(): string {
    return this.caller.clientIp;
  }

  get userAgent(): string | null {
    return this.caller.userAgent;
  }

  get mailer(): Mailer {
    return this.services.mailer;
  }

  audit(record: AuditRecord): Promise<void> {
    return this.caller.audit(record);
  }

  get authType(): AuthType {
    return this.credentials.authType;
  }

  identity(): Identity | Promise<Identity> {
    return this.resolver.resolve();
  }

  cookieSession(): Promise<Session | null> {
    return this.sessions.cookieSession();
  }

  currentSession(): Promise<Session | null> {
    return this.sessions.currentSession();
  }

  openCookieSession(options?: { long?: boolean }): Promise<Session> {
    return this.sessions.openCookieSession(options);
  }

  sessionUser(session: Session): User | null {
    return sessionUser(this.services.users, session);
  }

  basicUser(): Promise<User> {
    return this.checks.basic().then((credential) => credential.user);
  }

  isCsrfValid(): Promise<boolean> {
    return this.csrf.isValid();
  }

  csrfToken(): Promise<string> {
    return this.csrf.token();
  }

  /** The CSRF token for a page being rendered once `cookieSession()` has resolved (see `RequestCsrf.tokenFor`). */
  csrfTokenFor(loaded: Session | null): string {
    return this.csrf.tokenFor(loaded);
  }

  logIn(user: User, options: { long: boolean }): Promise<Session> {
    return this.login.logIn(user, options);
  }

  logOut(): Promise<void> {
    return this.login.logOut();
  }

  knownDeviceUserId(): string | null {
    return this.login.knownDeviceUserId();
  }

  rememberDevice(user: User): void {
    this.login.rememberDevice(user);
  }

  checkPasswordChange(
    identity: Identity | null,
    actor: User,
    currentPassword: string,
    options: { resetting: boolean },
  ): Promise<void> {
    return this.login.checkPasswordChange(identity, actor, currentPassword, options);
  }

  renewLoginAfterPasswordChange(session: Session, passwordTimestamp: number | null): void {
    this.login.renewLoginAfterPasswordChange(session, passwordTimestamp);
  }

  /** Commits every session this request touched and returns the cookies and caching facts to send. */
  finish(): Promise<AuthOutcome> {
    return this.cookies.finish();
  }
}
