import type { User } from "../accounts/types.js";
import type { AuditRecord } from "../audit/index.js";
import type { Session } from "../session/index.js";
import type { Mailer } from "../mail/mailer.js";
import type { Identity } from "./identity.js";
import type { RequestInfo } from "./request-info.js";
import type { AuthType } from "./request-credentials.js";

/** What routes know of the caller's connection. */
export interface CallerFacts {
  readonly info: RequestInfo;
  readonly clientIp: string;
  readonly userAgent: string | null;
  /** Writes an audit entry with this request's address and user agent (never awaited by callers' answers). */
  audit(record: AuditRecord): Promise<void>;
  /** The mailer for login-challenge codes. */
  readonly mailer: Mailer;
}

/** The caller's sessions and credentials, for routes that answer without requiring authentication. */
export interface SessionAccess {
  readonly authType: AuthType;
  cookieSession(): Promise<Session | null>;
  currentSession(): Promise<Session | null>;
  openCookieSession(options?: { long?: boolean }): Promise<Session>;
  sessionUser(session: Session): User | null;
  basicUser(): Promise<User>;
}

export interface CsrfAccess {
  isCsrfValid(): Promise<boolean>;
  csrfToken(): Promise<string>;
}

export interface LoginActions {
  logIn(user: User, options: { long: boolean }): Promise<Session>;
  logOut(): Promise<void>;
  knownDeviceUserId(): string | null;
  rememberDevice(user: User): void;
  checkPasswordChange(
    identity: Identity | null,
    actor: User,
    currentPassword: string,
    options: { resetting: boolean },
  ): Promise<void>;
  renewLoginAfterPasswordChange(session: Session, passwordTimestamp: number | null): void;
}

/** The authentication of one request as routes see it. */
export type RouteAuth = CallerFacts & SessionAccess & CsrfAccess & LoginActions;

/** Resolves the caller of a route that requires authentication. */
export interface IdentitySource {
  /** The identity, synchronous when nothing needs to be loaded or checked; throws or rejects with the reason. */
  identity(): Identity | Promise<Identity>;
}
