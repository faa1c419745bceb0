import { readTranslations } from "./translations-option.js";
import { isIP } from "node:net";
import { expandDottedKeys, fail, isPlainObject, Reader, type Raw } from "./reader.js";
import { DEFAULT_RECONCILE_SECONDS } from "../fs/watched-folder.js";
import { readEmailOptions, type EmailOptions } from "./email.js";
import { readCors, type CorsOptions } from "./cors-option.js";

export { CORS_WILDCARD_CREDENTIALS_MESSAGE, type CorsOptions, corsCredentialsWithWildcard } from "./cors-option.js";

function isIpOrCidr(entry: string): boolean {
  const [address = "", bits, ...rest] = entry.trim().split("/");
  if (rest.length) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Sheaf's options under Kirby's names (docs/kirby-compat/options.md), resolved and validated once at start.
 * Raw config may use nested maps (`{ api: { basicAuth: true } }`) or dotted keys (`{ "api.basicAuth": true }`).
 */

export type AuthDebug = boolean | "log";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SheafOptions {
  readonly debug: boolean;
  /** `null` = secure auto-detection; `"*"` = insecure auto-detection; one URL = fixed; several = allow-list. */
  readonly url: null | "*" | string | readonly string[];
  readonly api: {
    readonly enabled: boolean;
    readonly slug: string;
    readonly basicAuth: boolean;
    readonly allowInsecure: boolean;
    readonly allowImpersonation: boolean;
    readonly csrf: string | null;
    /** Sheaf: accept application passwords (API tokens) as Basic passwords and as `Authorization: Bearer`. */
    readonly tokens: boolean;
    /** Sheaf: accept the CSRF token from `?csrf=` when `X-CSRF` is absent (Kirby does); false = the header only. */
    readonly csrfQuery: boolean;
    /** Sheaf: largest request body an API route reads, in bytes (routes that take uploads set their own). */
    readonly maxBodySize: number;
    /** Sheaf: largest upload body (multipart) the files routes read, in bytes (default 64 MB). */
    readonly maxUploadSize: number;
  };
  /** Sheaf: limits of the HTTP server itself, against clients that hold sockets open. */
  readonly server: {
    /** Milliseconds a client has to send the request headers. */
    readonly headersTimeout: number;
    /** Milliseconds a client has to send the whole request (headers and body). */
    readonly requestTimeout: number;
    /** Milliseconds an idle keep-alive connection stays open. */
    readonly keepAliveTimeout: number;
    /** Open connections at most; further ones are closed at once. */
    readonly maxConnections: number;
    /** Prefix of the liveness and readiness paths (`<prefix>/live`, `<prefix>/ready`), or false for none. */
    readonly healthPath: string | false;
    /** Milliseconds a shutdown waits for requests in flight before it closes their connections. */
    readonly shutdownTimeout: number;
  };
  /** Sheaf: the operator's log (JSON lines on stdout; readable lines in a terminal). */
  readonly log: {
    readonly level: LogLevel;
    /** One line per request (method, path, status, duration, request id). */
    readonly access: boolean;
  };
  /** Kirby's `email` options: how login-code mails are sent. */
  readonly email: EmailOptions;
  readonly auth: {
    /** Login methods by name with their options (`password`, `code`, `password-reset`). */
    readonly methods: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly challenges: readonly string[];
    readonly challengeTimeoutSeconds: number;
    /** Sender and subject of code mails; null = the default (`noreply@<site host>`, the site title, per mode). */
    readonly challengeEmail: {
      readonly from: string | null;
      readonly fromName: string | null;
      readonly subject: string | null;
    };
    readonly trials: number;
    readonly timeoutSeconds: number;
    readonly debug: AuthDebug;
    /** Sheaf: seconds a successful Basic-auth password check is remembered (0 = every request verifies bcrypt). */
    readonly basicCacheSeconds: number;
    /** Sheaf: blocked answers say `Rate limit exceeded` with `Retry-After` instead of `Invalid login`. */
    readonly revealThrottle: boolean;
    /** Sheaf: longest per-account back-off after repeated failures from several addresses (seconds). */
    readonly backoffMaxSeconds: number;
  };
  readonly session: {
    readonly durationNormalSeconds: number;
    readonly durationLongSeconds: number;
    readonly timeoutSeconds: number | false;
    readonly cookieName: string;
    readonly cookieDomain: string | null;
    readonly gcInterval: number | false;
  };
  readonly cookieKey: string;
  readonly cors: CorsOptions | false;
  readonly panel: {
    readonly dev: boolean;
    readonly language: string;
    readonly install: boolean;
    readonly slug: string;
    readonly kirbytext: boolean;
  };
  readonly languages: boolean;
  /** Interface translations a site adds or extends, in Kirby's key format: code → key → text. */
  readonly translations: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly content: {
    readonly uuid: false | "uuid" | "uuid-v4";
    readonly locking: boolean;
    readonly extension: string;
    readonly ignore: readonly string[];
  };
  readonly slugsMaxLength: number | false;
  /** Sheaf: proxies (addresses or CIDR ranges) whose `Forwarded`/`X-Forwarded-*` headers are believed. */
  readonly trustedProxies: readonly string[];
  readonly audit: {
    /** Rotate `site/logs/auth.log` when it grows past this many bytes. */
    readonly maxBytes: number;
    /** Rotated files kept (`auth.log.1` … `auth.log.N`). */
    readonly keep: number;
  };
  readonly watch: {
    /** Sheaf: seconds between scans of the watched folders for changes the file-system events missed; false = none. */
    readonly reconcileSeconds: number | false;
  };
  readonly home: string;
  readonly error: string;
  /** Sheaf: shared state (sessions, throttle, locks, change notices) in Redis or Valkey; null = the site folder. */
  readonly redis: RedisOptions | null;
}

export interface RedisOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Prepended to every key and channel, so several sites can share one server. */
  readonly prefix: string;
}

function readRedis(reader: Reader): RedisOptions | null {
  const value = reader.get("redis");
  if (value === undefined || value === null || value === false) return null;
  if (typeof value === "string") return readRedis(new Reader({ redis: { url: value } }));
  if (!isPlainObject(value)) fail("redis", "false, a redis:// URL or a map { url, prefix }", value);
  const url = reader.string("redis.url", "");
  if (url.length > 2048 || !/^rediss?:\/\/[^\s/]+(\/\d{1,2})?$/.test(url))
    fail("redis.url", "a redis:// or rediss:// URL", url);
  const prefix = reader.string("redis.prefix", "sheaf:", { nonEmpty: false });
  if (prefix.length > 100 || !/^[\w:.-]*$/.test(prefix))
    fail("redis.prefix", "letters, digits, _ : . - (at most 100)", prefix);
  return { url, prefix };
}

export const DEFAULT_CONTENT_IGNORE = [
  ".",
  "..",
  ".DS_Store",
  ".gitignore",
  ".git",
  ".svn",
  ".htaccess",
  "Thumb.db",
  "@eaDir",
] as const;

function readUrl(reader: Reader): SheafOptions["url"] {
  const value = reader.get("url");
  if (value === undefined || value === null || value === "") return null;
  const isUrl = (item: unknown): item is string => typeof item === "string" && /^https?:\/\/[^/]+/i.test(item);
  if (value === "*") return "*";
  if (typeof value === "string") {
    if (!isUrl(value)) fail("url", '"*" or an absolute http(s) URL', value);
    return value.replace(/\/+$/, "");
  }
  if (Array.isArray(value)) {
    if (value.length === 1 && value[0] === "*") return "*";
    if (value.length === 0 || !value.every(isUrl)) fail("url", 'a list of absolute http(s) URLs, or ["*"]', value);
    const urls = (value as string[]).map((url) => url.replace(/\/+$/, ""));
    return urls.length === 1 ? (urls[0] as string) : urls;
  }
  return fail("url", '"*", an absolute URL or a list of them', value);
}

function readAuthMethods(reader: Reader): SheafOptions["auth"]["methods"] {
  const value = reader.get("auth.methods");
  if (value === undefined || value === null) return { password: {} };
  const entries: Array<[string, Record<string, unknown>]> = [];
  const known = new Set(["password", "code", "password-reset"]);
  const add = (name: string, options: unknown): void => {
    if (!known.has(name)) fail("auth.methods", '"password", "code" or "password-reset"', name);
    if (options === true) entries.push([name, {}]);
    else if (isPlainObject(options)) entries.push([name, options]);
    else if (options !== false) fail(`auth.methods.${name}`, "true or a map of method options", options);
  };
  if (typeof value === "string") add(value, true);
  else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== "string") fail("auth.methods", "a list of method names", value);
      add(item, true);
    }
  } else if (isPlainObject(value)) {
    for (const [name, options] of Object.entries(value)) {
      // a list written as a map with numeric keys (`[0 => 'password']`)
      if (/^\d+$/.test(name) && typeof options === "string") add(options, true);
      else add(name, options);
    }
  } else fail("auth.methods", "a method name, a list of them or a map", value);

  const methods = Object.fromEntries(entries);
  const has2fa = Object.values(methods).some((options) => options["2fa"] === true);
  if (has2fa) {
    delete methods["code"];
    delete methods["password-reset"];
  }
  if ("code" in methods && "password-reset" in methods) delete methods["code"];
  return methods;
}

function readChallengeEmail(reader: Reader): SheafOptions["auth"]["challengeEmail"] {
  const from = reader.optionalString("auth.challenge.email.from");
  if (from !== null && !/^[^\s@<>"]+@[^\s@<>"]+$/.test(from))
    fail("auth.challenge.email.from", "an e-mail address", from);
  return {
    from,
    fromName: reader.optionalString("auth.challenge.email.fromName"),
    subject: reader.optionalString("auth.challenge.email.subject"),
  };
}

function readTrustedProxies(reader: Reader): readonly string[] {
  const list = reader.stringList("trustedProxies", []);
  for (const entry of list) {
    if (!isIpOrCidr(entry)) fail("trustedProxies", 'addresses or CIDR ranges such as "10.0.0.0/8" or "::1"', entry);
  }
  return list;
}

function readUuid(reader: Reader): SheafOptions["content"]["uuid"] {
  const value = reader.get("content.uuid");
  if (value === undefined || value === null || value === true) return "uuid";
  if (value === false) return false;
  if (value === "uuid-v4") return "uuid-v4";
  if (isPlainObject(value) && value["format"] === "uuid-v4") return "uuid-v4";
  return fail("content.uuid", 'true, false or "uuid-v4"', value);
}

function readHealthPath(reader: Reader): string | false {
  const value = reader.get("server.healthPath");
  if (value === false) return false;
  const path = reader.string("server.healthPath", "/_sheaf");
  if (!/^\/_[a-zA-Z0-9._~-]+(\/[a-zA-Z0-9._~-]+)*$/.test(path) || path.includes("/."))
    fail("server.healthPath", 'a path starting with "/_" (outside the paths of pages), or false', path);
  return path;
}

function readLogLevel(reader: Reader): LogLevel {
  const value = reader.get("log.level");
  if (value === undefined || value === null) return "info";
  if (typeof value !== "string" || !(LOG_LEVELS as readonly string[]).includes(value))
    fail("log.level", LOG_LEVELS.join(", "), value);
  return value as LogLevel;
}

/**
 * Resolves and validates raw config (already expanded from dotted keys or not). Throws ConfigError. `environment`
 * supplies secrets kept out of config files (`SHEAF_SMTP_PASSWORD`); `loadConfig` passes the process's.
 */
export function resolveOptions(
  input: Raw = {},
  environment: Readonly<Record<string, string | undefined>> = {},
): SheafOptions {
  const reader = new Reader(expandDottedKeys(input));
  const apiValue = reader.get("api");
  if (apiValue !== undefined && apiValue !== null && apiValue !== false && !isPlainObject(apiValue)) {
    fail("api", "false or a map of API options", apiValue);
  }
  const authDebug = reader.get("auth.debug");
  if (authDebug !== undefined && authDebug !== true && authDebug !== false && authDebug !== "log") {
    fail("auth.debug", 'true, false or "log"', authDebug);
  }
  const slug = reader.string("api.slug", "api").replace(/^\/+|\/+$/g, "");
  if (!/^[a-zA-Z0-9._~-]+(\/[a-zA-Z0-9._~-]+)*$/.test(slug)) fail("api.slug", 'a URL path such as "api"', slug);
  const panelDev = reader.get("panel.dev");
  const headersTimeout = reader.positiveInt("server.headersTimeout", 20_000);
  const requestTimeout = reader.positiveInt("server.requestTimeout", 60_000);
  if (headersTimeout > requestTimeout)
    fail("server.headersTimeout", `at most server.requestTimeout (${requestTimeout})`, headersTimeout);
  const cookieKey = reader.string("cookie.key", "KirbyHttpCookieKey");

  return {
    debug: reader.bool("debug", false),
    url: readUrl(reader),
    api: {
      enabled: apiValue !== false,
      slug,
      basicAuth: reader.bool("api.basicAuth", false),
      allowInsecure: reader.bool("api.allowInsecure", false),
      allowImpersonation: reader.bool("api.allowImpersonation", false),
      csrf: reader.optionalString("api.csrf"),
      tokens: reader.bool("api.tokens", true),
      csrfQuery: reader.bool("api.csrfQuery", true),
      maxBodySize: reader.positiveInt("api.maxBodySize", 1024 * 1024),
      maxUploadSize: reader.positiveInt("api.maxUploadSize", 64 * 1024 * 1024),
    },
    server: {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: reader.positiveInt("server.keepAliveTimeout", 72_000),
      maxConnections: reader.positiveInt("server.maxConnections", 10_000),
      healthPath: readHealthPath(reader),
      shutdownTimeout: reader.positiveInt("server.shutdownTimeout", 10_000),
    },
    log: {
      level: readLogLevel(reader),
      access: reader.bool("log.access", false),
    },
    email: readEmailOptions(reader, environment),
    auth: {
      methods: readAuthMethods(reader),
      challenges: reader.stringList("auth.challenges", ["totp", "email"]),
      challengeTimeoutSeconds: reader.positiveInt("auth.challenge.timeout", 600),
      challengeEmail: readChallengeEmail(reader),
      trials: reader.positiveInt("auth.trials", 10),
      timeoutSeconds: reader.positiveInt("auth.timeout", 3600),
      debug: (authDebug as AuthDebug | undefined) ?? "log",
      basicCacheSeconds: reader.nonNegativeInt("auth.basicCache", 60),
      revealThrottle: reader.bool("auth.revealThrottle", false),
      backoffMaxSeconds: reader.positiveInt("auth.backoffMax", 60),
    },
    session: {
      durationNormalSeconds: reader.positiveInt("session.durationNormal", 7200),
      durationLongSeconds: reader.positiveInt("session.durationLong", 1209600),
      timeoutSeconds: reader.positiveIntOrFalse("session.timeout", 1800),
      cookieName: reader.string("session.cookieName", "kirby_session"),
      cookieDomain: reader.optionalString("session.cookieDomain"),
      gcInterval: reader.positiveIntOrFalse("session.gcInterval", 100),
    },
    cookieKey,
    cors: readCors(reader),
    panel: {
      dev: panelDev !== undefined && panelDev !== null && panelDev !== false,
      language: reader.string("panel.language", "en"),
      install: reader.bool("panel.install", false),
      slug: reader.string("panel.slug", "panel"),
      kirbytext: reader.bool("panel.kirbytext", true),
    },
    languages: reader.bool("languages", false),
    translations: readTranslations(reader.get("translations")),
    content: {
      uuid: readUuid(reader),
      locking: reader.bool("content.locking", true),
      extension: reader.string("content.extension", "txt"),
      ignore: reader.stringList("content.ignore", DEFAULT_CONTENT_IGNORE),
    },
    slugsMaxLength: (() => {
      const value = reader.get("slugs.maxlength");
      if (value === false || value === 0) return false;
      return reader.positiveInt("slugs.maxlength", 255);
    })(),
    trustedProxies: readTrustedProxies(reader),
    audit: {
      maxBytes: reader.positiveInt("audit.maxBytes", 10 * 1024 * 1024),
      keep: reader.positiveInt("audit.keep", 5),
    },
    watch: {
      reconcileSeconds: reader.positiveIntOrFalse("watch.reconcile", DEFAULT_RECONCILE_SECONDS),
    },
    home: reader.string("home", "home"),
    error: reader.string("error", "error"),
    redis: readRedis(reader),
  };
}
