import type { User } from "../accounts/types.js";
import { AuthError, PermissionError } from "../errors.js";
import { unixNow } from "../session/index.js";
import { looksLikeToken, type TokenRecord } from "../tokens/index.js";
import { randomDelay } from "./delay.js";
import { decodeIdnEmail, validatePassword } from "./passwords.js";
import type { RequestCaller } from "./request-caller.js";
import type { RequestCredentials } from "./request-credentials.js";
import type { AuthServices } from "./services.js";

/** A Basic or Bearer credential that checked out: the user, and the token when one was used. */
export interface CheckedCredential {
  readonly user: User;
  readonly token?: TokenRecord;
}

/**
 * Checks the Basic and Bearer credentials of one request (each at most once): HTTPS, the login limiter, the
 * Basic-auth cache, application passwords, and the audit entries of failures.
 */
export class CredentialChecks {
  private basicPromise: Promise<CheckedCredential> | null = null;
  private bearerPromise: Promise<CheckedCredential> | null = null;

  constructor(
    private readonly services: AuthServices,
    private readonly caller: RequestCaller,
    private readonly credentials: RequestCredentials,
  ) {}

  private get options() {
    return this.services.options;
  }

  /** Basic auth (docs/kirby-compat/auth-and-sessions.md#basic), with an application password accepted as the password; failures are remembered. */
  basic(): Promise<CheckedCredential> {
    this.basicPromise ??= this.checkBasic();
    return this.basicPromise;
  }

  /** `Authorization: Bearer <application password>`: no CSRF, the same HTTPS rule as Basic auth. */
  bearer(): Promise<CheckedCredential> {
    this.bearerPromise ??= (async () => {
      this.caller.requireSecureTransport("Bearer");
      return this.checkToken(this.credentials.bearer(), null);
    })();
    return this.bearerPromise;
  }

  private async checkBasic(): Promise<CheckedCredential> {
    const methods = this.options.auth.methods;
    if (!this.options.api.basicAuth) throw new PermissionError({ message: "Basic authentication is not activated" });
    const { username, password } = this.credentials.basic();
    const isToken = this.services.tokens !== null && looksLikeToken(password);
    if (!isToken) {
      if (!("password" in methods)) throw new PermissionError({ message: "Login with password is not enabled" });
      if (Object.values(methods).some((method) => method["2fa"] === true)) {
        throw new PermissionError({ message: "Basic authentication cannot be used with 2FA" });
      }
    }
    this.caller.requireSecureTransport("Basic");
    if (isToken) return this.checkToken(password, username);
    const { users, basicCache: cache, passwords } = this.services;
    const cachedId = cache.get(username, password, (id) => users.findUser(id)?.passwordHash ?? null);
    const cachedUser = cachedId ? users.findUser(cachedId) : undefined;
    if (cachedUser) {
      // a remembered check is still refused from an address (or for an account) that is blocked now
      const email = decodeIdnEmail(username).toLowerCase();
      if (!(await passwords.throttle.quickCheck(this.caller.clientIp, email, true)).blocked)
        return { user: cachedUser };
    }
    const user = await validatePassword(passwords, username, password, this.caller.clientIp, this.caller.userAgent);
    if (user.passwordHash) cache.remember(username, password, user.id, user.passwordHash);
    return { user };
  }

  /** An application password presented for a user: the same limiter as passwords, no 2FA exemption needed. */
  private async checkToken(token: string, expectedUser: string | null): Promise<CheckedCredential> {
    const { tokens, users, passwords } = this.services;
    const throttle = passwords.throttle;
    const ip = this.caller.clientIp;
    const email = expectedUser === null ? "" : decodeIdnEmail(expectedUser).toLowerCase();
    const owner = expectedUser === null ? undefined : users.findUser(email);
    const decision = await throttle.quickCheck(ip, email, owner !== undefined);
    if (decision.blocked) {
      void this.caller.audit({ event: "login.blocked", details: { method: "token", email: expectedUser } });
      throw this.refusal(expectedUser !== null, decision.retryAfterSeconds);
    }
    const verified = tokens ? tokens.verify(token, unixNow()) : ({ ok: false, reason: "unknown" } as const);
    const holder = verified.ok ? users.findUser(verified.record.userId) : undefined;
    // a password change made anywhere (the CLI, PHP Kirby) also ends the application passwords issued before it
    const outdated =
      verified.ok && holder?.passwordTimestamp != null && holder.passwordTimestamp > verified.record.createdAt;
    const check = outdated ? ({ ok: false, reason: "revoked" } as const) : verified;
    const user = check.ok ? holder : undefined;
    const matches = user !== undefined && (owner === undefined ? expectedUser === null : owner.id === user.id);
    if (!check.ok || !user || !matches) {
      await throttle.track(ip, owner ? email : null);
      void this.caller.audit({
        event: "login.failure",
        details: { method: "token", reason: check.ok ? "wrong-user" : check.reason },
      });
      await randomDelay(passwords.failureDelayMs[0], passwords.failureDelayMs[1]);
      throw expectedUser === null ? new AuthError() : new PermissionError({ key: "access.login" });
    }
    if (check.firstUseInAWhile) {
      void this.caller.audit({
        event: "token.use",
        actor: { id: user.id, email: user.email },
        target: { token: check.record.id },
      });
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
}
