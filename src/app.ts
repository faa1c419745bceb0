import { loadTranslations } from "./compose/translations.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AccountIndex } from "./accounts/index.js";
import type { SiteServices } from "./api/context.js";
import { routesFor } from "./api/routes/index.js";
import { Router } from "./api/router.js";
import { openSecurity, type SecurityOverrides } from "./compose/security.js";
import { openSiteData } from "./compose/site-data.js";
import { loadConfig, resolveConfig, type SheafOptions } from "./config/index.js";
import { CORS_WILDCARD_CREDENTIALS_MESSAGE, corsCredentialsWithWildcard } from "./config/options.js";
import type { ContentIndex } from "./content/index.js";
import { captureErrorStacks } from "./errors.js";
import type { WatchLog, WatchSettings } from "./fs/watched-folder.js";
import { buildServer, type SheafServer } from "./http/server.js";
import { createLogger, type Logger } from "./log/logger.js";
import { SearchIndex } from "./search/index.js";
import type { SessionManager } from "./session/index.js";
import { TemplateStore } from "./site/templates.js";
import { LocalCoordination, type Coordination } from "./coord/coordination.js";
import { RedisCoordination, redactUrl } from "./coord/redis-coordination.js";

export interface CreateSheafOptions extends SecurityOverrides {
  /** The site folder: it holds `content/` and `site/`. */
  readonly root: string;
  /** Options to use instead of reading `site/config/` (Kirby names, nested or dotted). */
  readonly config?: Record<string, unknown>;
  /** Options merged over the site's config file. */
  readonly configOverrides?: Record<string, unknown>;
  /** Follow changes on disk (default true). */
  readonly watch?: boolean;
  /** The operator's log; default: a logger on stdout at the `log.level` option. */
  readonly logger?: Logger;
  /** Instead of `logger`: receives each JSON log line (embedding, tests). */
  readonly log?: (line: string) => void;
  /**
   * How this process shares state with others serving the same site (the workers of `sheaf serve --workers`).
   * Option `redis` takes precedence; default: none (one process).
   */
  readonly coordination?: Coordination;
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

const CORS_WILDCARD_WARNING = `"cors": "allowCredentials": true with the wildcard origin "*" makes every response a 400 error (${CORS_WILDCARD_CREDENTIALS_MESSAGE}), as in Kirby. List the allowed origins instead, e.g. "allowOrigin": ["https://app.example.com"].`;

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function sheafVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The composition root: reads the config, opens the site's data and security services, and wires the HTTP server. */
export async function createSheaf(input: CreateSheafOptions): Promise<Sheaf> {
  const root = path.resolve(input.root);
  const loaded = input.config
    ? resolveConfig(input.config, {}, input.configOverrides)
    : await loadConfig(root, input.configOverrides);
  const options = loaded.options;
  const logger = input.logger ?? createLogger({ level: options.log.level, destination: input.log ?? "stdout" });
  const watchLog: WatchLog = (level, message, details) => logger[level](details ?? {}, message);
  const watching: WatchSettings | null =
    input.watch === false ? null : { log: watchLog, reconcileSeconds: options.watch.reconcileSeconds };

  const ownCoordination = options.redis
    ? await RedisCoordination.connect({
        ...options.redis,
        onProblem: (message, error) => logger.error(error === undefined ? {} : { err: error }, message),
      })
    : null;
  if (options.redis) logger.info({ redis: redactUrl(options.redis.url) }, "Sharing state through Redis");
  const coordination = ownCoordination ?? input.coordination ?? new LocalCoordination();
  const data = await openSiteData({ root, options, watching, warn: (message) => logger.warn(message), coordination });
  const secured = await openSecurity({ root, options, data, watching, logger, overrides: input, coordination });
  const services: SiteServices = {
    options,
    content: data.content,
    writer: data.writer,
    accountWriter: data.accountWriter,
    blueprints: data.blueprints,
    search: new SearchIndex(),
    users: () => data.accounts.users(),
    findUser: (key) => data.accounts.findUser(key),
    roles: () => data.roles.all(),
    roleOf: (user) => data.roles.of(user),
    findRole: (name) => data.roles.find(name),
    permissions: data.permissions,
    version: sheafVersion(),
    security: secured.security,
    translations: await loadTranslations(root, options, (message) => logger.warn(message)),
    ...(data.languages ? { languages: data.languages } : {}),
  };
  const templates = await TemplateStore.open(path.join(root, "site", "templates"), {
    watch: watching !== null,
    ...(watching ? { watching } : {}),
  });
  const server = buildServer({
    services,
    authServices: secured.auth,
    router: new Router(routesFor(options)),
    projectRoot: PROJECT_ROOT,
    logger,
    templates,
  });
  // debug output says where an error was thrown
  const releaseErrorStacks = options.debug ? captureErrorStacks() : null;

  return {
    options,
    services,
    server,
    sessions: secured.security.sessions,
    content: data.content,
    accounts: data.accounts,
    warnings: corsCredentialsWithWildcard(options.cors) ? [...loaded.warnings, CORS_WILDCARD_WARNING] : loaded.warnings,
    logger,
    listen: (port, host = "127.0.0.1") => server.listen({ port, host }),
    async close(): Promise<void> {
      await templates.close();
      await server.close();
      await secured.close();
      await data.close();
      await ownCoordination?.close();
      releaseErrorStacks?.();
    },
  };
}

// What an embedding can plug in through `createSheaf` (mail delivery, session and throttle storage), with the
// implementations Sheaf ships.
export type { MailAddress, Mailer, MailMessage } from "./mail/mailer.js";
export { FileMailer, MemoryMailer } from "./mail/mailer.js";
export type { SessionStore } from "./session/index.js";
export { FileSessionStore, MemorySessionStore } from "./session/index.js";
export type { ThrottleStore } from "./auth/throttle.js";
export { FileThrottleStore, MemoryThrottleStore } from "./auth/throttle.js";
export type { SheafOptions } from "./config/index.js";
export type { Logger } from "./log/logger.js";
