import { randomBytes } from "node:crypto";
import type { User } from "../accounts/types.js";
import { PermissionError } from "../errors.js";
import { unixNow, type Session } from "../session/index.js";
import { CHALLENGE_KEYS, RESET_PASSWORD_KEY } from "./challenges/challenge-session.js";
import { CSRF_KEY, generateCsrfToken } from "./csrf.js";
import { DeviceCookies } from "./device-cookie.js";
import type { Identity } from "./identity.js";
import { verifyCurrentPassword } from "./passwords.js";
import type { RequestCaller } from "./request-caller.js";
import type { RequestCredentials } from "./request-credentials.js";
import type { RequestSessions } from "./request-sessions.js";
import type { AuthServices } from "./services.js";
import type { SessionCookieEmitter } from "./session-cookie-emitter.js";
import { LOGIN_TIME_KEY, USER_KEY } from "./session-login.js";

/** Known-device cookies of services that bring no key of their own: valid until the process ends. */
const processDevices = new DeviceCookies(randomBytes(32).toString("hex"));

/** Login, logout and password change of one request, on its cookie (or header) session. */
export class LoginFlow {
  constructor(
    private readonly services: AuthServices,
    private readonly caller: RequestCaller,
    private readonly credentials: RequestCredentials,
    private readonly sessions: RequestSessions,
    private readonly cookies: SessionCookieEmitter,
  ) {}

  private get devices(): DeviceCookies {
    return this.services.devices ?? processDevices;
  }

  /** The user whose earlier login on this browser its device cookie proves, or null. */
  knownDeviceUserId(): string | null {
    return this.devices.verify(this.credentials.deviceCookie, unixNow())?.userId ?? null;
  }

  /**
   * Remembers this browser as a device `user` logged in from (a long-lived signed cookie). Only over HTTPS: the
   * cookie lets its holder past the account-wide slow-down, so it must not travel in clear.
   */
  rememberDevice(user: User): void {
    const { path, secure } = this.caller.cookieScope(null);
    if (!secure) return;
    const now = unixNow();
    this.cookies.addCookie(this.devices.setCookie(this.devices.issue(user.id, now), now, path));
  }

  /**
   * Logs a user in to the cookie session: long upgrade, new token, login time. The pre-login token dies at once
   * (Kirby lets it forward for 30 s); tokens issued on the way forward to the last one.
   */
  async logIn(user: User, { long }: { long: boolean }): Promise<Session> {
    const manager = this.services.sessions;
    const existing = await this.sessions.existingCookieSession();
    let session: Session;
    if (existing) {
      session = existing;
      if (long) manager.extendToLong(session);
      manager.regenerate(session, { privilegeChange: true });
    } else {
      session = await this.sessions.openCookieSession({ long });
    }
    session.set(USER_KEY, user.id);
    // a reset permission belongs to the login that earned it (the code route grants it again after this)
    session.remove(RESET_PASSWORD_KEY);
    // Kirby's CSRF check of a session login always leaves a token in the session (even with `api.csrf`), so a
    // later logout renews the session instead of ending it
    if (this.credentials.authType === "session" && typeof session.get(CSRF_KEY) !== "string")
      session.set(CSRF_KEY, generateCsrfToken());
    if (user.passwordTimestamp !== null) session.set(LOGIN_TIME_KEY, unixNow());
    else session.remove(LOGIN_TIME_KEY);
    const userAgent = this.caller.userAgent;
    session.record.meta = {
      createdIp: this.caller.clientIp,
      ...(userAgent ? { userAgent: userAgent.slice(0, 300) } : {}),
    };
    return session;
  }

  /** Logs out of the cookie session: data left ⇒ new token; nothing left ⇒ session destroyed. */
  async logOut(): Promise<void> {
    const manager = this.services.sessions;
    if (this.credentials.usesHeaderSession) {
      // a header-transport client cannot be handed a new token: its session simply ends
      const headerSession = await this.sessions.headerSession();
      if (headerSession) manager.destroy(headerSession);
      return;
    }
    const session = await this.sessions.cookieSession();
    if (!session) return;
    const hadUser = typeof session.get(USER_KEY) === "string";
    for (const key of CHALLENGE_KEYS) session.remove(key);
    // Kirby keeps it, so the next person to log in with this browser could set a password without the current one
    session.remove(RESET_PASSWORD_KEY);
    if (!hadUser) return;
    session.remove(USER_KEY);
    session.remove(LOGIN_TIME_KEY);
    // the old token forwards to the (now anonymous) session for the grace period, as in Kirby
    if (session.isEmpty) manager.destroy(session);
    else manager.regenerate(session, { privilegeChange: false });
  }

  /**
   * The checks before a password change: an application password (Bearer, or Basic with a token) is refused, as a
   * token is never more than its owner and must not become a way to their password; unless `resetting`, the
   * acting user's current password is verified, throttled and audited like a login.
   */
  async checkPasswordChange(
    identity: Identity | null,
    actor: User,
    currentPassword: string,
    { resetting }: { resetting: boolean },
  ): Promise<void> {
    if (identity?.kind === "token" || (identity?.kind === "basic" && identity.token !== undefined)) {
      throw new PermissionError({ message: "Passwords cannot be changed with an application password" });
    }
    if (resetting) return;
    await verifyCurrentPassword(
      this.services.passwords,
      actor,
      currentPassword,
      this.caller.clientIp,
      this.caller.userAgent,
    );
  }

  /**
   * Keeps `session` logged in after its user changed their own password (docs/kirby-compat/auth-and-sessions.md#password-change): a new token (for cookies;
   * the old token stops working at once) and a login time not older than the new `.htpasswd`, so that only the
   * user's other sessions are logged out. A password-reset permission is used up.
   */
  renewLoginAfterPasswordChange(session: Session, passwordTimestamp: number | null): void {
    // A header-transport client is never told a new token; regenerating would log it out.
    // the acting client's old token forwards to the new one for the grace period (docs/kirby-compat/auth-and-sessions.md#lifecycle)
    if (session.transport === "cookie") this.services.sessions.regenerate(session, { privilegeChange: false });
    session.set(LOGIN_TIME_KEY, Math.max(unixNow(), passwordTimestamp ?? 0));
    session.remove(RESET_PASSWORD_KEY);
    this.sessions.touch(session);
  }
}
