import type { Session, SessionManager } from "../session/index.js";
import type { RequestCredentials } from "./request-credentials.js";

const NO_SESSION: Promise<Session | null> = Promise.resolve(null);

/**
 * The sessions of one request: loads the cookie and header sessions lazily (once), creates the cookie session when
 * asked, and remembers every session loaded or created so that the end of the request can commit them.
 */
export class RequestSessions {
  private cookieSessionPromise: Promise<Session | null> | null = null;
  /** The cookie session once loaded (undefined while not known). */
  private cookieSessionKnown: Session | null | undefined = undefined;
  private headerSessionPromise: Promise<Session | null> | null = null;
  private created: Session | null = null;
  private touchedSessions: Set<Session> | null = null;
  /** Set when the answer depended on the caller (identity, CSRF check, login, session routes): it is private. */
  callerConsulted = false;

  constructor(
    private readonly manager: SessionManager,
    private readonly credentials: RequestCredentials,
    private readonly cookieKey: string,
  ) {}

  /** Sessions this request loaded or created. */
  get touched(): Iterable<Session> {
    return this.touchedSessions ?? [];
  }

  /** Marks a session to be committed at the end of the request. */
  touch(session: Session): void {
    (this.touchedSessions ??= new Set()).add(session);
  }

  /** The session of the session cookie, if valid. */
  cookieSession(): Promise<Session | null> {
    this.cookieSessionPromise ??= this.loadCookieSession();
    return this.cookieSessionPromise;
  }

  private loadCookieSession(): Promise<Session | null> {
    const token = this.credentials.sessionCookieToken(this.cookieKey);
    if (!token) {
      this.cookieSessionKnown = null;
      return NO_SESSION;
    }
    // a session this process already holds is answered without a detour through the store
    const known = this.manager.loadKnown(token, "cookie");
    if (known !== undefined) return Promise.resolve(this.loaded(known));
    return this.manager.load(token, "cookie").then((session) => this.loaded(session));
  }

  private loaded(session: Session | null): Session | null {
    this.cookieSessionKnown = session;
    if (session) this.touch(session);
    return session;
  }

  /** The session of `Authorization: Session <token>`, if that header is sent (no fallback to the cookie). */
  headerSession(): Promise<Session | null> {
    this.headerSessionPromise ??= (async () => {
      const token = this.credentials.headerSessionToken;
      if (token === null) return null;
      const session = await this.manager.load(token, "header");
      if (session) this.touch(session);
      return session;
    })();
    return this.headerSessionPromise;
  }

  /** The session a request acts in: the header session when that transport is used, else the cookie session. */
  currentSession(): Promise<Session | null> {
    if (this.credentials.usesHeaderSession) return this.headerSession();
    const known = this.knownCurrentSession();
    if (known !== undefined) return Promise.resolve(known);
    return this.cookieSession().then((session) => session ?? this.created);
  }

  /**
   * The current session when it is known without waiting (a cookie session this process holds in memory, or none):
   * undefined while it must still be loaded, and always for the header transport.
   */
  knownCurrentSession(): Session | null | undefined {
    if (this.credentials.usesHeaderSession) return undefined;
    void this.cookieSession();
    if (this.cookieSessionKnown === undefined) return undefined;
    return this.cookieSessionKnown ?? this.created;
  }

  /** The cookie session, or the one this request created, or null. */
  async existingCookieSession(): Promise<Session | null> {
    return (await this.cookieSession()) ?? this.created;
  }

  /** The cookie session, created (and so sent to the client) when there is none yet. */
  async openCookieSession({ long = false }: { long?: boolean } = {}): Promise<Session> {
    return (await this.cookieSession()) ?? this.create({ long });
  }

  /** `loaded` (the cookie session once loaded), else the session created by this request, else a new one. */
  cookieSessionOr(loaded: Session | null): Session {
    return loaded ?? this.create({ long: false });
  }

  private create({ long }: { long: boolean }): Session {
    if (this.created) return this.created;
    this.created = this.manager.create({ long });
    this.touch(this.created);
    return this.created;
  }
}
