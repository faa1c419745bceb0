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
  RedisSessionStore,
  registryFile,
  SessionManager,
  SharedSessionRegistry,
  SharedSessionStore,
  unixNow,
  type RegistryDocument,
  type SessionRegistry,
  type SessionStore,
} from "../session/index.js";
import { TokenStore, type TokenSharing, type TokenUsage } from "../tokens/index.js";
import { CellThrottleStore, LockedThrottleStore } from "../auth/shared-throttle.js";
import { LocalCoordination, type Coordination } from "../coord/coordination.js";
import { RedisCoordination } from "../coord/redis-coordination.js";
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
  /** Set when other processes serve the same site (workers, Redis). */
  readonly coordination?: Coordination;
}

/** Sessions, passwords, throttling, tokens and the audit log, as the routes (`security`) and `auth/` (`auth`) see them. */
export interface Security {
  readonly security: SecurityServices;
  readonly auth: AuthServices;
  close(): Promise<void>;
}

function openSessions(
  siteDir: string,
  options: SheafOptions,
  store: SessionStore | undefined,
  coordination: Coordination,
): SessionManager {
  const sessionsDir = path.join(siteDir, "sessions");
  const redis = coordination instanceof RedisCoordination ? coordination : null;
  const shared = coordination.shared && !(store instanceof MemorySessionStore);
  const ownStore = store ?? (redis ? new RedisSessionStore(redis) : new FileSessionStore(sessionsDir));
  const sessionStore = shared ? new SharedSessionStore(ownStore, coordination) : ownStore;
  let registry: SessionRegistry;
  if (store instanceof MemorySessionStore) registry = new MemorySessionRegistry();
  else if (!shared) registry = new FileSessionRegistry(sessionsDir);
  else {
    const lock: RegistryDocument["lock"] = (task) => coordination.withLock("session-registry", task);
    const cell = redis?.cell("session-registry");
    registry = new SharedSessionRegistry(
      cell ? { read: () => cell.get(), write: (text) => cell.set(text), lock } : registryFile(sessionsDir, lock),
    );
  }
  return new SessionManager(
    sessionStore,
    {
      durationNormalSeconds: options.session.durationNormalSeconds,
      durationLongSeconds: options.session.durationLongSeconds,
      timeoutSeconds: options.session.timeoutSeconds,
      gcInterval: options.session.gcInterval,
      anonymousInMemory: !shared,
    },
    unixNow,
    registry,
  );
}

function openThrottleStore(accountsDir: string, coordination: Coordination): ThrottleStore {
  const lock = <T>(task: () => Promise<T>): Promise<T> => coordination.withLock("throttle", task);
  if (coordination instanceof RedisCoordination) return new CellThrottleStore(coordination.cell("throttle"), lock);
  const files = new FileThrottleStore(accountsDir);
  return coordination.shared ? new LockedThrottleStore(files, lock) : files;
}

/** Last uses of tokens as a Redis hash (`<prefix>tokens:used`): counted without rewriting the shared file. */
function redisTokenUsage(redis: RedisCoordination): TokenUsage {
  const key = redis.keyOf("tokens", "used");
  return {
    async record(id, atUnix, ip) {
      await redis.run((client) => client.hset(key, id, `${atUnix} ${ip}`));
    },
    async all() {
      const raw = await redis.run((client) => client.hgetall(key));
      const uses = new Map<string, { atUnix: number; ip: string }>();
      for (const [id, value] of Object.entries(raw)) {
        const space = value.indexOf(" ");
        uses.set(id, { atUnix: Number(value.slice(0, space)), ip: value.slice(space + 1) });
      }
      return uses;
    },
  };
}

function tokenSharing(coordination: Coordination): TokenSharing | undefined {
  if (!coordination.shared) return undefined;
  return {
    lock: (task) => coordination.withLock("tokens", task),
    announce: async () => {
      await coordination.publish("tokens", "");
    },
    ...(coordination instanceof RedisCoordination ? { usage: redisTokenUsage(coordination) } : {}),
  };
}

export async function openSecurity({
  root,
  options,
  data,
  watching,
  logger,
  overrides,
  coordination = new LocalCoordination(),
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
  const throttle = new LoginThrottle(overrides.throttleStore ?? openThrottleStore(accountsDir, coordination), {
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
  const sessions = openSessions(siteDir, options, overrides.sessionStore, coordination);
  const sharing = tokenSharing(coordination);
  const tokens = options.api.tokens
    ? await TokenStore.open(accountsDir, {
        watch: watching !== null,
        ...(watching ? { watching } : {}),
        ...(sharing ? { sharing } : {}),
      })
    : null;
  const mailer: Mailer & { close?(): void } =
    overrides.mailer ?? createMailer({ transport: options.email.transport, siteDir, logger });
  const basicCache = new BasicAuthCache(options.auth.basicCacheSeconds);
  const unsubscribe = coordination.subscribe((topic, data) => {
    if (topic === "basic") basicCache.forgetUser(data);
    else if (topic === "*") basicCache.forgetAll();
    if ((topic === "tokens" || (topic === "*" && data === "up")) && tokens)
      tokens.reload().catch((error: unknown) => logger.warn({ err: error }, "Could not re-read the tokens file"));
  });
  const security: SecurityServices = {
    sessions,
    passwords: passwordCheck,
    tokens,
    audit,
    async revokeUserAccess(userId, { exceptStoreKey } = {}) {
      basicCache.forgetUser(userId);
      if (coordination.shared) await coordination.publish("basic", userId);
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
      unsubscribe();
      await sessions.closeStore();
      if ("close" in mailer && typeof mailer.close === "function") mailer.close();
      await tokens?.close();
      await Promise.all([audit.idle(), tokens?.idle()]);
    },
  };
}
