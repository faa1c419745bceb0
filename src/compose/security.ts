import path from "node:path";
import { verifyPassword } from "../accounts/index.js";
import type { SecurityServices } from "../api/context.js";
import { AuditLog } from "../audit/index.js";
import {
  FileThrottleStore,
  LoginThrottle,
  type AuthServices,
  type PasswordCheckOptions,
  type ThrottleStore,
} from "../auth/index.js";
import { BasicAuthCache } from "../auth/basic-cache.js";
import type { Mailer } from "../mail/mailer.js";
import { createMailer } from "../mail/transport.js";
import { deviceCookiesFor } from "../auth/device-cookie.js";
import { TrustedProxies } from "../auth/trusted-proxies.js";
import type { SheafOptions } from "../config/index.js";
import type { WatchSettings } from "../fs/watched-folder.js";
import type { Logger } from "../log/logger.js";
import {
  FileSessionRegistry,
  FileSessionStore,
  MemorySessionRegistry,
  MemorySessionStore,
  SessionManager,
  unixNow,
  type SessionStore,
} from "../session/index.js";
import { TokenStore } from "../tokens/index.js";
import type { SiteData } from "./site-data.js";

/** Replacements for the default stores and delays (tests, embedding). */
export interface SecurityOverrides {
  readonly sessionStore?: SessionStore;
  readonly throttleStore?: ThrottleStore;
  /** Random delay after a failed login, in ms (default Kirby's 10–2000; tests may shorten it). */
  readonly failureDelayMs?: readonly [number, number];
  /** Delivers login-challenge codes (default: `.eml` files in `site/logs/mail/`). */
  readonly mailer?: Mailer;
}

export interface SecuritySettings {
  readonly root: string;
  readonly options: SheafOptions;
  readonly data: SiteData;
  readonly watching: WatchSettings | null;
  readonly logger: Logger;
  readonly overrides: SecurityOverrides;
}

/** Sessions, passwords, throttling, tokens and the audit log, as the routes (`security`) and `auth/` (`auth`) see them. */
export interface Security {
  readonly security: SecurityServices;
  readonly auth: AuthServices;
  close(): Promise<void>;
}

function openSessions(siteDir: string, options: SheafOptions, store: SessionStore | undefined): SessionManager {
  const sessionsDir = path.join(siteDir, "sessions");
  const sessionStore = store ?? new FileSessionStore(sessionsDir);
  return new SessionManager(
    sessionStore,
    {
      durationNormalSeconds: options.session.durationNormalSeconds,
      durationLongSeconds: options.session.durationLongSeconds,
      timeoutSeconds: options.session.timeoutSeconds,
      gcInterval: options.session.gcInterval,
    },
    unixNow,
    sessionStore instanceof MemorySessionStore ? new MemorySessionRegistry() : new FileSessionRegistry(sessionsDir),
  );
}

export async function openSecurity({
  root,
  options,
  data,
  watching,
  logger,
  overrides,
}: SecuritySettings): Promise<Security> {
  const siteDir = path.join(root, "site");
  const accountsDir = path.join(siteDir, "accounts");
  const info = (message: string): void => logger.info(message);
  const audit = new AuditLog({
    dir: path.join(siteDir, "logs"),
    maxBytes: options.audit.maxBytes,
    keep: options.audit.keep,
    log: (message) => logger.error(message),
  });
  const throttle = new LoginThrottle(overrides.throttleStore ?? new FileThrottleStore(accountsDir), {
    trials: options.auth.trials,
    windowSeconds: options.auth.timeoutSeconds,
    backoffMaxSeconds: options.auth.backoffMaxSeconds,
    now: unixNow,
  });
  const passwordCheck: PasswordCheckOptions = {
    users: data.accounts,
    throttle,
    verify: verifyPassword,
    authDebug: options.auth.debug,
    failureDelayMs: overrides.failureDelayMs ?? [10, 2000],
    revealThrottle: options.auth.revealThrottle,
    onRefusal: (refusal) =>
      void audit.record({
        event: refusal.kind === "blocked" ? "login.blocked" : "login.failure",
        ip: refusal.ip,
        userAgent: refusal.userAgent,
        details: { email: refusal.email, reason: refusal.reason },
      }),
    log: options.auth.debug === "log" ? info : undefined,
  };
  const sessions = openSessions(siteDir, options, overrides.sessionStore);
  const tokens = options.api.tokens
    ? await TokenStore.open(accountsDir, { watch: watching !== null, ...(watching ? { watching } : {}) })
    : null;
  const mailer: Mailer & { close?(): void } =
    overrides.mailer ?? createMailer({ transport: options.email.transport, siteDir, logger });
  const basicCache = new BasicAuthCache(options.auth.basicCacheSeconds);
  const security: SecurityServices = {
    sessions,
    passwords: passwordCheck,
    tokens,
    audit,
    async revokeUserAccess(userId, { exceptStoreKey } = {}) {
      basicCache.forgetUser(userId);
      const ended = await sessions.revokeUserSessions(userId, exceptStoreKey === undefined ? {} : { exceptStoreKey });
      const revoked = tokens ? await tokens.revokeAllOf(userId) : 0;
      return { sessions: ended, tokens: revoked };
    },
  };
  const auth: AuthServices = {
    options,
    sessions,
    users: data.accounts,
    roleOf: (user) => data.roles.of(user),
    passwords: passwordCheck,
    proxies: new TrustedProxies(options.trustedProxies),
    tokens,
    basicCache,
    audit,
    mailer,
    devices: await deviceCookiesFor(path.join(accountsDir, ".device-key")),
  };
  return {
    security,
    auth,
    async close() {
      if ("close" in mailer && typeof mailer.close === "function") mailer.close();
      await tokens?.close();
      await Promise.all([audit.idle(), tokens?.idle()]);
    },
  };
}
