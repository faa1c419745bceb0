import type { SheafOptions } from "../config/index.js";
import {
  formatDeletionCookie,
  formatSetCookie,
  formatToken,
  signCookieValue,
  unixNow,
  type SessionManager,
} from "../session/index.js";
import type { RequestCaller } from "./request-caller.js";
import type { RequestCredentials } from "./request-credentials.js";
import type { RequestSessions } from "./request-sessions.js";

export interface AuthOutcome {
  readonly setCookies: readonly string[];
  /** The response depends on the caller's cookie or Authorization: `Cache-Control: no-store, private`. */
  readonly isPrivate: boolean;
  /** Request inputs the response varies on when it is not private. */
  readonly vary: readonly string[];
}

const VARY_COOKIE: readonly string[] = ["Cookie"];
const VARY_COOKIE_AUTHORIZATION: readonly string[] = ["Cookie", "Authorization"];

/**
 * The end of a request's authentication: commits the sessions it changed and turns them into `Set-Cookie` values
 * (a new token, or a deletion), after any other cookie the request asked to send.
 */
export class SessionCookieEmitter {
  /** Cookies other than the session's to send (a known-device cookie after a login). */
  private extraCookies: string[] | null = null;

  constructor(
    private readonly options: SheafOptions,
    private readonly manager: SessionManager,
    private readonly caller: RequestCaller,
    private readonly credentials: RequestCredentials,
    private readonly sessions: RequestSessions,
  ) {}

  /** Sends `setCookie` with the response (before the session's cookie). */
  addCookie(setCookie: string): void {
    (this.extraCookies ??= []).push(setCookie);
  }

  /** Commits every session this request touched and returns the cookies and caching facts to send. */
  finish(): Promise<AuthOutcome> {
    let pending = false;
    // a forwarded session is unchanged but still hands its client the current token
    for (const session of this.sessions.touched) pending ||= session.isChanged || session.issuedTokens.length > 0;
    // the common read changed nothing: no commit, no cookie, no wait
    if (!pending) return Promise.resolve(this.outcome(this.extraCookies ?? []));
    // the session's cookie comes last, as clients that keep "the last cookie" expect
    return this.commitTouched().then(() => this.outcome([...(this.extraCookies ?? []), ...this.sessionCookies()]));
  }

  private async commitTouched(): Promise<void> {
    for (const session of this.sessions.touched) await this.manager.commit(session);
  }

  private sessionCookies(): string[] {
    const { cookieName: name, cookieDomain: domain } = this.options.session;
    const { path, secure } = this.caller.cookieScope(domain);
    const now = unixNow();
    const setCookies: string[] = [];
    for (const session of this.sessions.touched) {
      if (session.transport !== "cookie") continue;
      if (session.isDestroyed) {
        if (!session.isNew) setCookies.push(formatDeletionCookie(name, "/", domain, secure));
        continue;
      }
      for (const token of session.issuedTokens) {
        const value = signCookieValue(formatToken(token), this.options.cookieKey);
        setCookies.push(
          formatSetCookie({ name, value, expiresAtUnix: token.expiresAtUnix, nowUnix: now, path, domain, secure }),
        );
      }
    }
    return setCookies;
  }

  private outcome(setCookies: string[]): AuthOutcome {
    const sentCookie = this.credentials.sessionCookie !== undefined;
    const consultedAuthorization = this.options.api.basicAuth || this.credentials.usesHeaderSession;
    const isPrivate =
      this.sessions.callerConsulted ||
      setCookies.length > 0 ||
      sentCookie ||
      (this.credentials.sentAuthorization && consultedAuthorization);
    return { setCookies, isPrivate, vary: consultedAuthorization ? VARY_COOKIE_AUTHORIZATION : VARY_COOKIE };
  }
}
