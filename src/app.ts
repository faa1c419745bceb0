import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildRoles, createAccountIndex, NOBODY_ROLE, verifyPassword, type AccountIndex, type Role, type User } from "./accounts/index.js";
import { AccountWriter } from "./accounts/account-writer.js";
import type { SiteServices } from "./api/context.js";
import { apiRoutes } from "./api/routes/index.js";
import { Router } from "./api/router.js";
import { FileThrottleStore, LoginThrottle, type AuthServices, type PasswordCheckOptions, type ThrottleStore } from "./auth/index.js";
import { BasicAuthCache } from "./auth/basic-cache.js";
import { FileMailer, type Mailer } from "./auth/challenges/mailer.js";
import { TrustedProxies } from "./auth/trusted-proxies.js";
import { deviceCookiesFor } from "./auth/device-cookie.js";
import { AuditLog } from "./audit/index.js";
import { TokenStore } from "./tokens/index.js";
import { createBlueprintRegistry } from "./blueprints/index.js";
import { loadConfig, resolveOptions, type SheafOptions } from "./config/index.js";
import { CORS_WILDCARD_CREDENTIALS_MESSAGE, corsCredentialsWithWildcard } from "./config/options.js";
import { createContentIndex, type ContentIndex } from "./content/index.js";
import { ContentWriter } from "./content/content-writer.js";
import { recoverContent } from "./content/journal.js";
import { buildServer, type SheafServer } from "./http/server.js";
import { captureErrorStacks } from "./errors.js";
import { createLogger, type Logger } from "./log/logger.js";
import { WatchedFolder, type WatchLog, type WatchSettings } from "./fs/watched-folder.js";
import type { PermissionContext } from "./permissions/can.js";
import { TemplateStore } from "./site/templates.js";
import { FileSessionRegistry, FileSessionStore, MemorySessionRegistry, MemorySessionStore, SessionManager, unixNow, type SessionStore } from "./session/index.js";

export interface CreateSheafOptions {
  /** The site folder: it holds `content/` and `site/`. */
  readonly root: string;
  /** Options to use instead of reading `site/config/` (Kirby names, nested or dotted). */
  readonly config?: Record<string, unknown>;
  /** Options merged over the site's config file. */
  readonly configOverrides?: Record<string, unknown>;
  readonly sessionStore?: SessionStore;
  readonly throttleStore?: ThrottleStore;
  /** Random delay after a failed login, in ms (default Kirby's 10–2000; tests may shorten it). */
  readonly failureDelayMs?: readonly [number, number];
  /** Delivers login-challenge codes (default: `.eml` files in `site/logs/mail/`). */
  readonly mailer?: Mailer;
  /** Follow changes on disk (default true). */
  readonly watch?: boolean;
  /** The operator's log; default: a logger on stdout at the `log.level` option. */
  readonly logger?: Logger;
  /** Instead of `logger`: receives each JSON log line (embedding, tests). */
  readonly log?: (line: string) => void;
}

export interface Sheaf {
  readonly options: SheafOptions;
  readonly services: SiteServices;
  readonly server: SheafServer;
  readonly sessions: SessionManager;
  readonly content: ContentIndex;
  readonly accounts: AccountIndex;
  readonly warnings: readonly string[];
  readonly logger: Logger;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function sheafVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The composition root: reads the config, builds the indexes and stores, and wires the HTTP server. */
export async function createSheaf(input: CreateSheafOptions): Promise<Sheaf> {
  const root = path.resolve(input.root);
  const loaded = input.config
    ? { options: resolveOptions({ ...input.config, ...input.configOverrides }), warnings: [] as string[] }
    : await loadConfig(root, input.configOverrides);
  const options = loaded.options;
  const logger = input.logger ?? createLogger({ level: options.log.level, destination: input.log ?? "stdout" });
  const warn = (message: string): void => logger.warn(message);
  const info = (message: string): void => logger.info(message);
  const shouldWatch = input.watch !== false;
  const watchLog: WatchLog = (level, message, details) => logger[level](details ?? {}, message);
  const watching: WatchSettings = { log: watchLog, reconcileSeconds: options.watch.reconcileSeconds };
  const siteDir = path.join(root, "site");
  const accountsDir = path.join(siteDir, "accounts");

  const contentRoot = path.join(root, "content");
  await recoverContent(contentRoot);
  const [content, accounts, blueprints] = await Promise.all([
    createContentIndex({
      root: contentRoot,
      extension: options.content.extension,
      ignore: options.content.ignore,
      watch: shouldWatch,
      watching,
    }),
    createAccountIndex({ root: accountsDir, watch: shouldWatch, watching, onWarning: warn }),
    createBlueprintRegistry(siteDir),
  ]);

  let roles: Map<string, Role> = buildRoles(blueprints);
  const blueprintWatcher = shouldWatch
    ? await WatchedFolder.open({
        ...watching,
        dir: path.join(siteDir, "blueprints"),
        name: "blueprints",
        reload: async () => {
          await blueprints.reload();
          roles = buildRoles(blueprints);
        },
      })
    : null;

  const roleOf = (user: User): Role => roles.get(user.role) ?? NOBODY_ROLE;
  const permissions: PermissionContext = {
    blueprints,
    homeId: options.home,
    errorId: options.error,
    adminCount: () => accounts.users().filter((user) => roleOf(user).name === "admin").length,
  };

  const throttle = new LoginThrottle(input.throttleStore ?? new FileThrottleStore(accountsDir), {
    trials: options.auth.trials,
    windowSeconds: options.auth.timeoutSeconds,
    backoffMaxSeconds: options.auth.backoffMaxSeconds,
    now: unixNow,
  });
  const audit = new AuditLog({ dir: path.join(siteDir, "logs"), maxBytes: options.audit.maxBytes, keep: options.audit.keep, log: (message) => logger.error(message) });
  const passwordCheck: PasswordCheckOptions = {
    users: accounts,
    throttle,
    verify: verifyPassword,
    authDebug: options.auth.debug,
    failureDelayMs: input.failureDelayMs ?? [10, 2000],
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

  const writer = new ContentWriter({ index: content, root: contentRoot, extension: options.content.extension, uuid: options.content.uuid });
  const security: { current: SiteServices["security"] | null } = { current: null };
  const services: SiteServices = {
    options,
    content,
    writer,
    accountWriter: new AccountWriter(accountsDir, accounts),
    blueprints,
    users: () => accounts.users(),
    findUser: (key) => accounts.findUser(key),
    roles: () => [...roles.values()].sort((a, b) => a.name.localeCompare(b.name)),
    roleOf,
    findRole: (name) => roles.get(name),
    permissions,
    version: sheafVersion(),
    passwordCheck,
    get security() {
      if (!security.current) throw new Error("Security services are not ready");
      return security.current;
    },
  };

  const sessionsDir = path.join(siteDir, "sessions");
  const sessionStore = input.sessionStore ?? new FileSessionStore(sessionsDir);
  const sessions = new SessionManager(
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
  const tokens = options.api.tokens ? await TokenStore.open(accountsDir, { watch: shouldWatch, watching }) : null;
  const basicCache = new BasicAuthCache(options.auth.basicCacheSeconds);
  security.current = {
    sessions,
    tokens,
    audit,
    async revokeUserAccess(userId, { exceptStoreKey } = {}) {
      basicCache.forgetUser(userId);
      const ended = await sessions.revokeUserSessions(userId, exceptStoreKey === undefined ? {} : { exceptStoreKey });
      const revoked = tokens ? await tokens.revokeAllOf(userId) : 0;
      return { sessions: ended, tokens: revoked };
    },
  };
  const authServices: AuthServices = {
    options,
    sessions,
    users: accounts,
    roleOf,
    passwords: passwordCheck,
    proxies: new TrustedProxies(options.trustedProxies),
    tokens,
    basicCache,
    audit,
    mailer: input.mailer ?? new FileMailer({ dir: path.join(siteDir, "logs", "mail"), log: info }),
    devices: await deviceCookiesFor(path.join(accountsDir, ".device-key")),
  };
  const templates = await TemplateStore.open(path.join(siteDir, "templates"), { watch: shouldWatch, watching });
  const server = buildServer({ services, authServices, router: new Router(apiRoutes), projectRoot: PROJECT_ROOT, logger, templates });
  // debug output says where an error was thrown
  const releaseErrorStacks = options.debug ? captureErrorStacks() : null;

  return {
    options,
    services,
    server,
    sessions,
    content,
    accounts,
    warnings: corsCredentialsWithWildcard(options.cors)
      ? [
          ...loaded.warnings,
          `"cors": "allowCredentials": true with the wildcard origin "*" makes every response a 400 error (${CORS_WILDCARD_CREDENTIALS_MESSAGE}), as in Kirby. List the allowed origins instead, e.g. "allowOrigin": ["https://app.example.com"].`,
        ]
      : loaded.warnings,
    logger,
    async listen(port: number, host = "127.0.0.1"): Promise<string> {
      return server.listen({ port, host });
    },
    async close(): Promise<void> {
      await Promise.all([blueprintWatcher?.close(), templates.close(), tokens?.close()]);
      await server.close();
      await Promise.all([content.close(), accounts.close(), audit.idle(), tokens?.idle()]);
      releaseErrorStacks?.();
    },
  };
}
