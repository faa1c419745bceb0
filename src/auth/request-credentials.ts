import { readCookie, verifyCookieValue } from "../session/index.js";
import { looksLikeToken } from "../tokens/index.js";
import { decodeBasicCredentials, parseAuthorizationHeader, type AuthorizationHeader } from "./authorization-header.js";
import { DEVICE_COOKIE_NAME } from "./device-cookie.js";

export type AuthType = "basic" | "bearer" | "session";

/** Which credential schemes the site accepts besides sessions. */
export interface AcceptedSchemes {
  readonly basicAuth: boolean;
  /** Application passwords (`api.tokens`). */
  readonly tokens: boolean;
}

type Headers = Readonly<Record<string, string | undefined>>;

const SESSION_PREFIX = "session ";

/** The credentials a request carries, read from its headers: the session cookie and `Authorization` by scheme. */
export class RequestCredentials {
  /** The raw session cookie: read once (null until then). */
  private sessionCookieValue: string | undefined | null = null;

  constructor(
    private readonly headers: Headers,
    private readonly cookieName: string,
    private readonly schemes: AcceptedSchemes,
  ) {}

  /** The raw session cookie value, if sent. */
  get sessionCookie(): string | undefined {
    if (this.sessionCookieValue === null) this.sessionCookieValue = readCookie(this.headers["cookie"], this.cookieName);
    return this.sessionCookieValue;
  }

  /** The session token of a correctly signed session cookie, or null. */
  sessionCookieToken(cookieKey: string): string | null {
    const raw = this.sessionCookie;
    return raw ? verifyCookieValue(raw, cookieKey) : null;
  }

  /** The known-device cookie's raw value, if sent. */
  get deviceCookie(): string | undefined {
    return readCookie(this.headers["cookie"], DEVICE_COOKIE_NAME);
  }

  get sentAuthorization(): boolean {
    return this.headers["authorization"] !== undefined;
  }

  /** True when the request uses `Authorization: Session <token>` (and so never its cookie). */
  get usesHeaderSession(): boolean {
    const header = this.headers["authorization"];
    return header !== undefined && header.slice(0, SESSION_PREFIX.length).toLowerCase() === SESSION_PREFIX;
  }

  /** The token of `Authorization: Session <token>`, or null when that transport is not used. */
  get headerSessionToken(): string | null {
    return this.usesHeaderSession ? this.headers["authorization"]!.slice(SESSION_PREFIX.length) : null;
  }

  private get authorization(): AuthorizationHeader | null {
    return parseAuthorizationHeader(this.headers["authorization"]);
  }

  /**
   * `basic` when Basic auth is enabled and sent; `bearer` when an application password is sent as a Bearer token;
   * otherwise the request is a session request (docs/kirby-compat/auth-and-sessions.md#authorization-header; a Bearer value that is no Sheaf token stays a session
   * request, as in Kirby).
   */
  get authType(): AuthType {
    const header = this.authorization;
    if (this.schemes.basicAuth && header?.scheme === "basic") return "basic";
    if (this.schemes.tokens && header?.scheme === "bearer" && looksLikeToken(header.payload.trim())) return "bearer";
    return "session";
  }

  /** The user name and password of `Authorization: Basic` (both empty when missing or undecodable). */
  basic(): { username: string; password: string } {
    return decodeBasicCredentials(this.authorization?.payload ?? "");
  }

  /** The application password of `Authorization: Bearer`. */
  bearer(): string {
    return (this.authorization?.payload ?? "").trim();
  }
}
