import type { SheafOptions } from "../config/index.js";
import { safeEqual } from "../crypto/safe-equal.js";
import type { Session } from "../session/index.js";
import { CSRF_KEY, sessionCsrfToken } from "./csrf.js";
import type { RequestSessions } from "./request-sessions.js";

/** CSRF of one request: the token the caller sent, checked against its session's (or the fixed `api.csrf`). */
export class RequestCsrf {
  constructor(
    private readonly options: SheafOptions,
    private readonly headers: Readonly<Record<string, string | undefined>>,
    private readonly queryParam: (name: string) => string | undefined,
    private readonly sessions: RequestSessions,
  ) {}

  /** The token every session shares (`api.csrf`, or `dev` in panel dev mode), or null when each has its own. */
  private get fixedToken(): string | null {
    if (this.options.api.csrf !== null) return this.options.api.csrf;
    return this.options.panel.dev ? "dev" : null;
  }

  private expected(session: Session | null): string | null {
    const fixed = this.fixedToken;
    if (fixed !== null) return fixed;
    const token = session?.get(CSRF_KEY);
    return typeof token === "string" ? token : null;
  }

  private supplied(): string {
    const header = this.headers["x-csrf"];
    if (header !== undefined) return header;
    // a token in the URL ends up in logs, history and Referer headers: a site may refuse it
    return this.options.api.csrfQuery ? (this.queryParam("csrf") ?? "") : "";
  }

  /** Constant-time check of the supplied token against `session`'s. */
  matches(session: Session | null): boolean {
    const expected = this.expected(session);
    const supplied = this.supplied();
    return expected !== null && supplied !== "" && safeEqual(supplied, expected);
  }

  /** Constant-time CSRF check of a session request against its own session (or the fixed `api.csrf`). */
  async isValid(): Promise<boolean> {
    this.sessions.callerConsulted = true;
    return this.matches(await this.sessions.currentSession());
  }

  /** The CSRF token of the cookie session, creating session and token when needed (or the fixed token). */
  async token(): Promise<string> {
    const session = await this.sessions.openCookieSession();
    return this.fixedToken ?? sessionCsrfToken(session);
  }

  /**
   * The CSRF token for a page being rendered, once the cookie session has loaded: synchronous, so templates can
   * call `csrf()`. Creates the session (and so a cookie) only when a template asks for a token.
   */
  tokenFor(loaded: Session | null): string {
    return this.fixedToken ?? sessionCsrfToken(this.sessions.cookieSessionOr(loaded));
  }
}
