import { type Static, type StaticDecode, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { DEFAULT_RECONCILE_SECONDS } from "../fs/watched-folder.js";
import { CorsSchema } from "./cors-option.js";
import { EmailSchema } from "./email.js";
import {
  bool,
  group,
  type DeepReadonly,
  nonNegativeInt,
  optionalText,
  positiveInt,
  positiveIntOrFalse,
  stringList,
  text,
} from "./schema-kit.js";
import { readTranslations } from "./translations-option.js";

/**
 * The one declaration of Sheaf's options: Kirby's names, types and defaults as a config file holds them
 * (docs/kirby-compat/options.md), and the decodes into the values the server uses. `SheafOptions` is its decoded
 * type; config/validate.ts checks a config against it. A new option is added here and documented in options.md
 * (test/unit/config-schema.test.ts fails until it is).
 */

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

const HTTP_URL = "^[hH][tT][tT][pP][sS]?://[^/]+";
const URL_PATH_SEGMENT = "[a-zA-Z0-9._~-]+";
// segments never start with a dot, so `/_x/../y` cannot climb out
const HEALTH_PATH = "^/_[a-zA-Z0-9._~-]+(/[a-zA-Z0-9_~-][a-zA-Z0-9._~-]*)*$";
const METHOD_NAMES = ["password", "code", "password-reset"] as const;

const trimSlashes = (url: string): string => url.replace(/\/+$/, "");

const UrlSchema = Type.Transform(
  Type.Union(
    [
      Type.Null(),
      Type.Literal(""),
      Type.Literal("*"),
      Type.String({ pattern: HTTP_URL }),
      Type.Tuple([Type.Literal("*")]),
      Type.Array(Type.String({ pattern: HTTP_URL, maxLength: 2048, expected: "an absolute http(s) URL" }), {
        minItems: 1,
        expected: 'a list of absolute http(s) URLs, or ["*"]',
      }),
    ],
    { default: null, expected: '"*", an absolute http(s) URL or a list of them' },
  ),
)
  .Decode((value): null | "*" | string | string[] => {
    if (value === null || value === "") return null;
    if (typeof value === "string") return value === "*" ? "*" : trimSlashes(value);
    if (value.length === 1) return value[0] === "*" ? "*" : trimSlashes(value[0]);
    return value.map(trimSlashes);
  })
  .Encode((value) => value);

/** Sheaf: shared state of several processes in Redis or Valkey (docs/scaling.md). */
export interface RedisOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Prepended to every key and channel, so several sites can share one server. */
  readonly prefix: string;
}

const REDIS_URL = Type.String({
  pattern: "^rediss?://[^\\s/]+(/[0-9]{1,2})?$",
  maxLength: 2048,
  expected: "a redis:// or rediss:// URL",
});
const DEFAULT_REDIS_PREFIX = "sheaf:";

const RedisSchema = Type.Transform(
  Type.Union(
    [
      Type.Null(),
      Type.Literal(false),
      REDIS_URL,
      Type.Object(
        {
          url: REDIS_URL,
          prefix: Type.Optional(
            Type.String({ pattern: "^[\\w:.-]*$", maxLength: 100, expected: "letters, digits, _ : . - (at most 100)" }),
          ),
        },
        { additionalProperties: false },
      ),
    ],
    { default: null, expected: "false, a redis:// URL or a map { url, prefix }" },
  ),
)
  .Decode((value): RedisOptions | null => {
    if (value === null || value === false) return null;
    if (typeof value === "string") return { url: value, prefix: DEFAULT_REDIS_PREFIX };
    return { url: value.url, prefix: value.prefix ?? DEFAULT_REDIS_PREFIX };
  })
  .Encode((value) => value);

const ApiMap = Type.Object(
  {
    slug: Type.Transform(
      Type.String({
        pattern: `^/*${URL_PATH_SEGMENT}(/${URL_PATH_SEGMENT})*/*$`,
        maxLength: 256,
        default: "api",
        expected: 'a URL path such as "api"',
      }),
    )
      .Decode((slug) => slug.replace(/^\/+|\/+$/g, ""))
      .Encode((slug) => slug),
    basicAuth: bool(false),
    allowInsecure: bool(false),
    /** Accepted for compatibility; impersonation cannot happen over HTTP. */
    allowImpersonation: bool(false),
    csrf: optionalText({ secret: true }),
    /** Sheaf: accept application passwords (API tokens) as Basic passwords and as `Authorization: Bearer`. */
    tokens: bool(true),
    /** Sheaf: accept the CSRF token from `?csrf=` when `X-CSRF` is absent (Kirby does); false = the header only. */
    csrfQuery: bool(true),
    /** Sheaf: largest request body an API route reads, in bytes (routes that take uploads set their own). */
    maxBodySize: positiveInt(1024 * 1024),
    /** Sheaf: largest upload body (multipart) the files routes read, in bytes. */
    maxUploadSize: positiveInt(64 * 1024 * 1024),
  },
  { expected: "false or a map of API options" },
);
type ApiOptions = StaticDecode<typeof ApiMap> & { enabled: boolean };

const API_OFF: ApiOptions = { ...Value.Decode(ApiMap, Value.Default(ApiMap, {})), enabled: false };

const MethodOptions = Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())], {
  expected: "true, false or a map of method options",
});
const MethodName = Type.Union(
  METHOD_NAMES.map((name) => Type.Literal(name)),
  { expected: '"password", "code" or "password-reset"' },
);
type Methods = Record<string, Record<string, unknown>>;

/** Kirby's normalisation: names become maps, 2FA drops `code` and `password-reset`, `password-reset` drops `code`. */
function decodeMethods(value: string | string[] | Record<string, unknown>): Methods {
  const entries: Array<[string, Record<string, unknown>]> = [];
  const add = (name: string, options: unknown): void => {
    if (options === true) entries.push([name, {}]);
    else if (typeof options === "object" && options !== null) entries.push([name, options as Record<string, unknown>]);
  };
  if (typeof value === "string") add(value, true);
  else if (Array.isArray(value)) for (const name of value) add(name, true);
  else
    for (const [name, options] of Object.entries(value)) {
      // a list written as a map with numeric keys (`[0 => 'password']`)
      if (/^\d+$/.test(name) && typeof options === "string") add(options, true);
      else add(name, options);
    }
  const methods: Methods = Object.fromEntries(entries);
  if (Object.values(methods).some((options) => options["2fa"] === true)) {
    delete methods["code"];
    delete methods["password-reset"];
  }
  if ("code" in methods && "password-reset" in methods) delete methods["code"];
  return methods;
}

const AuthMap = group({
  /** Login methods by name with their options (`password`, `code`, `password-reset`). */
  methods: Type.Transform(
    Type.Union(
      [
        MethodName,
        Type.Array(MethodName, { expected: "a list of method names" }),
        Type.Record(
          Type.String({ pattern: "^(password|code|password-reset|[0-9]+)$" }),
          Type.Union([MethodOptions, MethodName]),
          {
            additionalProperties: false,
            expected: "a map of method names to true, false or their options",
          },
        ),
      ],
      { default: "password", expected: "a method name, a list of them or a map" },
    ),
  )
    .Decode(decodeMethods)
    .Encode((methods) => methods),
  challenges: stringList(["totp", "email"]),
  challenge: group({
    timeout: positiveInt(600),
    /** Sender and subject of code mails; null = the default (`noreply@<site host>`, the site title, per mode). */
    email: group({
      from: optionalText({ format: "sheaf-email", expected: "an e-mail address" }),
      fromName: optionalText(),
      subject: optionalText(),
    }),
  }),
  trials: positiveInt(10),
  timeout: positiveInt(3600),
  debug: Type.Union([Type.Boolean(), Type.Literal("log")], { default: "log", expected: 'true, false or "log"' }),
  /** Sheaf: seconds a successful Basic-auth password check is remembered (0 = every request verifies bcrypt). */
  basicCache: nonNegativeInt(60),
  /** Sheaf: blocked answers say `Rate limit exceeded` with `Retry-After` instead of `Invalid login`. */
  revealThrottle: bool(false),
  /** Sheaf: longest per-account back-off after repeated failures from several addresses (seconds). */
  backoffMax: positiveInt(60),
});

const SessionMap = group({
  durationNormal: positiveInt(7200),
  durationLong: positiveInt(1209600),
  timeout: positiveIntOrFalse(1800),
  cookieName: text("kirby_session"),
  cookieDomain: optionalText(),
  gcInterval: positiveIntOrFalse(100),
});

const ServerMap = group({
  /** Milliseconds a client has to send the request headers. */
  headersTimeout: positiveInt(20_000),
  /** Milliseconds a client has to send the whole request (headers and body). */
  requestTimeout: positiveInt(60_000),
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeout: positiveInt(72_000),
  /** Open connections at most; further ones are closed at once. */
  maxConnections: positiveInt(10_000),
  /** Prefix of the liveness and readiness paths (`<prefix>/live`, `<prefix>/ready`), or false for none. */
  healthPath: Type.Union([Type.Literal(false), Type.String({ pattern: HEALTH_PATH, maxLength: 256 })], {
    default: "/_sheaf",
    expected: 'a path starting with "/_" (outside the paths of pages), or false',
  }),
  /** Milliseconds a shutdown waits for requests in flight before it closes their connections. */
  shutdownTimeout: positiveInt(10_000),
  /**
   * Cache-Control of media answers (files and thumbs by their hashed URLs), or false for none, as Kirby sends none.
   * A media URL changes whenever its file does, so `public, max-age=31536000, immutable` is safe behind a CDN.
   */
  mediaCacheControl: Type.Union([Type.Literal(false), Type.String({ pattern: "^[\\x20-\\x7e]{1,256}$" })], {
    default: false,
    expected: "a Cache-Control header value (printable ASCII, at most 256 characters), or false",
  }),
});

/** Options as a config file holds them, under Kirby's names. */
export const OptionsInput = Type.Object({
  debug: bool(false),
  /** `null` = secure auto-detection; `"*"` = insecure auto-detection; one URL = fixed; several = allow-list. */
  url: UrlSchema,
  api: Type.Transform(
    Type.Union([Type.Literal(false), ApiMap], { default: {}, expected: "false or a map of API options" }),
  )
    .Decode((api): ApiOptions => (api === false ? API_OFF : { ...api, enabled: true }))
    .Encode((api) => api),
  /** Sheaf: limits of the HTTP server itself, against clients that hold sockets open. */
  server: ServerMap,
  /** Sheaf: the operator's log (JSON lines on stdout; readable lines in a terminal). */
  log: group({
    level: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: "info", expected: LOG_LEVELS.join(", ") },
    ),
    /** One line per request (method, path, status, duration, request id). */
    access: bool(false),
  }),
  /** Kirby's `email` options: how login-code mails are sent. */
  email: EmailSchema,
  auth: AuthMap,
  session: SessionMap,
  cookie: group({ key: text("KirbyHttpCookieKey", { secret: true }) }),
  cors: CorsSchema,
  panel: group({
    // any value but false makes the CSRF token `dev` (Kirby accepts a dev server URL here)
    dev: Type.Transform(Type.Unknown({ default: false }))
      .Decode((dev) => dev !== false && dev !== null && dev !== undefined)
      .Encode((dev) => dev),
    language: text("en"),
    install: bool(false),
    slug: text("panel"),
    kirbytext: bool(true),
  }),
  languages: bool(false),
  /** Interface translations a site adds or extends, in Kirby's key format: code → key → text. */
  translations: Type.Transform(Type.Unknown({ default: {} }))
    .Decode(readTranslations)
    .Encode((translations) => translations),
  content: group({
    uuid: Type.Transform(
      Type.Union([Type.Boolean(), Type.Literal("uuid-v4"), Type.Object({ format: Type.Literal("uuid-v4") })], {
        default: true,
        expected: 'true, false or "uuid-v4"',
        leaf: true,
      }),
    )
      .Decode((uuid): false | "uuid" | "uuid-v4" => (uuid === false ? false : uuid === true ? "uuid" : "uuid-v4"))
      .Encode((uuid) => uuid !== false),
    locking: bool(true),
    extension: text("txt"),
    ignore: stringList(DEFAULT_CONTENT_IGNORE),
  }),
  slugs: group({
    maxlength: Type.Transform(
      Type.Union([Type.Literal(false), Type.Integer({ minimum: 0 })], {
        default: 255,
        expected: "a positive whole number, or false (or 0) for no limit",
      }),
    )
      .Decode((length): number | false => (length === 0 ? false : length))
      .Encode((length) => length),
  }),
  /** Sheaf: proxies (addresses or CIDR ranges) whose `Forwarded`/`X-Forwarded-*` headers are believed. */
  trustedProxies: stringList(
    [],
    Type.String({
      format: "sheaf-ip-or-cidr",
      expected: 'an address or CIDR range such as "10.0.0.0/8" or "::1"',
    }),
  ),
  audit: group({
    /** Rotate `site/logs/auth.log` when it grows past this many bytes. */
    maxBytes: positiveInt(10 * 1024 * 1024),
    /** Rotated files kept (`auth.log.1` … `auth.log.N`). */
    keep: positiveInt(5),
  }),
  watch: group({
    /** Sheaf: seconds between scans of the watched folders for changes the file-system events missed. */
    reconcile: positiveIntOrFalse(DEFAULT_RECONCILE_SECONDS),
  }),
  home: text("home"),
  error: text("error"),
  redis: RedisSchema,
});

type Input = StaticDecode<typeof OptionsInput>;

/** The server's names for options whose Kirby name reads differently in code (units, nesting). */
function serverShape({ cookie, slugs, auth, session, watch, ...same }: Input) {
  const { challenge, timeout, basicCache, backoffMax, ...authSame } = auth;
  return {
    ...same,
    auth: {
      ...authSame,
      challengeTimeoutSeconds: challenge.timeout,
      challengeEmail: challenge.email,
      timeoutSeconds: timeout,
      basicCacheSeconds: basicCache,
      backoffMaxSeconds: backoffMax,
    },
    session: {
      durationNormalSeconds: session.durationNormal,
      durationLongSeconds: session.durationLong,
      timeoutSeconds: session.timeout,
      cookieName: session.cookieName,
      cookieDomain: session.cookieDomain,
      gcInterval: session.gcInterval,
    },
    cookieKey: cookie.key,
    slugsMaxLength: slugs.maxlength,
    watch: { reconcileSeconds: watch.reconcile },
  };
}

export const OptionsSchema = Type.Transform(OptionsInput)
  .Decode(serverShape)
  .Encode((): Input => {
    throw new Error("options are never encoded back into a config");
  });

/** Sheaf's options under Kirby's names (docs/kirby-compat/options.md), resolved and validated once at start. */
export type SheafOptions = DeepReadonly<StaticDecode<typeof OptionsSchema>>;
export type AuthDebug = SheafOptions["auth"]["debug"];

/**
 * Kirby options that have no effect on an API server (PHP closures, the Panel's look, thumbnails, caches). A config
 * written for Kirby may hold them: they are accepted without a warning and ignored.
 */
export const IGNORED_KIRBY_OPTIONS = [
  "api.methodOverride",
  "cache",
  "date",
  "editor",
  "email.presets",
  "fatal",
  "file",
  "hooks",
  "kirbytext",
  "locale",
  "markdown",
  "media",
  "panel.css",
  "panel.favicon",
  "panel.js",
  "panel.menu",
  "panel.vue",
  "ready",
  "routes",
  "sitemap",
  "smartypants",
  "thumbs",
  "updates",
  "whoops",
  "yaml",
] as const;

/** Checks between options, run once every option on its own is valid (on the values as written): the problem, or null. */
export const CROSS_CHECKS: ReadonlyArray<{
  readonly option: string;
  readonly check: (input: Static<typeof OptionsInput>) => { expected: string; got: unknown } | null;
}> = [
  {
    option: "server.headersTimeout",
    check: ({ server }) =>
      server.headersTimeout > server.requestTimeout
        ? { expected: `at most server.requestTimeout (${server.requestTimeout})`, got: server.headersTimeout }
        : null,
  },
  {
    option: "email.transport.auth",
    check: ({ email: { transport } }) =>
      transport?.type === "smtp" && transport.auth && (transport.username === null || transport.password === null)
        ? { expected: "username and password (or SHEAF_SMTP_PASSWORD) with auth: true", got: true }
        : null,
  },
];
