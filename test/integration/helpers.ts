/**
 * Integration-test helpers: a throw-away copy of a site, a Sheaf instance on it (driven through
 * `server.inject()`, no sockets), and a small client that keeps the session cookie and CSRF token.
 */
import { createHmac } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSheaf, type CreateSheafOptions, type Sheaf } from "../../src/app.js";
import { MemorySessionStore } from "../../src/session/index.js";
import { DEVIATIONS_FILE as VENDORED_DEVIATIONS, FIXTURE_DIR, GOLDEN_DIR as VENDORED_GOLDEN } from "../paths.js";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURE = FIXTURE_DIR;
export const GOLDEN_DIR = VENDORED_GOLDEN;
export const DEVIATIONS_FILE = VENDORED_DEVIATIONS;
export const STARTERKIT = path.join(PROJECT_ROOT, "examples", "starterkit");
/** The fixture's 200 listed children of `bulk` (only pagination tests need them). */
export const BULK_PAGES = "content/3_bulk";

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly password: string;
}

export const ADMIN: Account = { id: "admin001", email: "admin@example.com", password: "AdminPass123!" };
export const EDITOR: Account = { id: "editor01", email: "editor@example.com", password: "EditorPass123!" };
export const NOACCESS: Account = { id: "noacc001", email: "noaccess@example.com", password: "NoAccessPass123!" };

export const STARTER_ADMIN: Account = { id: "miraC001", email: "admin@example.com", password: "sheaf-admin-2026" };
export const STARTER_EDITOR: Account = { id: "jonahO01", email: "editor@example.com", password: "sheaf-editor-2026" };

export const LOCALHOST_IP_HASH = "12ca17b49af2289436f303e0166030a21e525d266e20926743";
export const DEFAULT_COOKIE_KEY = "KirbyHttpCookieKey";

export const UNAUTHENTICATED = {
  status: "error",
  message: "Unauthenticated",
  code: 401,
  key: "error.auth",
  details: [],
};
export const INVALID_CSRF = {
  status: "error",
  message: "Invalid CSRF token",
  code: 400,
  key: "error.invalidArgument",
  details: [],
};
export const INVALID_LOGIN = {
  status: "error",
  message: "Invalid login",
  code: 403,
  key: "error.access.login",
  details: [],
};
export const NO_PANEL_ACCESS = {
  status: "error",
  message: "You are not allowed to access the panel",
  code: 401,
  key: "error.access.panel",
  details: [],
};
export const OK = { status: "ok", message: "ok", code: 200 };

const tempRoots = new Set<string>();
const openSites = new Set<TestSite>();

/**
 * Copies a site folder (default: the conformance fixture) to a fresh temporary folder, leaving out the paths in
 * `exclude` (relative to the site, e.g. `content/3_bulk`, whose 200 pages make a copy slow).
 */
export async function copySite(source: string = FIXTURE, exclude: readonly string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-it-"));
  const skipped = new Set(exclude.map((relative) => path.join(source, relative)));
  await cp(source, root, { recursive: true, filter: (file) => !skipped.has(file) });
  tempRoots.add(root);
  return root;
}

export interface TestSite {
  readonly root: string;
  readonly sheaf: Sheaf;
  /** Set when the site runs with an in-memory session store. */
  readonly sessionStore: MemorySessionStore | null;
  client(): Client;
  close(): Promise<void>;
}

export interface StartSiteOptions {
  /** Site to copy (default: the conformance fixture); ignored when `root` is given. */
  readonly source?: string;
  /** Paths of the site not to copy (default for the fixture: its 200 bulk pages; pass [] to keep them). */
  readonly exclude?: readonly string[];
  /** Use this folder as it is instead of a copy. */
  readonly root?: string;
  /** Options instead of the site's config file; omit to read `site/config/`. */
  readonly config?: Record<string, unknown>;
  /** Keep sessions in memory instead of `site/sessions`. */
  readonly memorySessions?: boolean;
  readonly extra?: Partial<CreateSheafOptions>;
}

/** A Sheaf instance on a temporary copy of a site, with no failure delay and no file watching. */
export async function startSite(options: StartSiteOptions = {}): Promise<TestSite> {
  const exclude = options.exclude ?? (options.source === undefined || options.source === FIXTURE ? [BULK_PAGES] : []);
  const root = options.root ?? (await copySite(options.source, exclude));
  const sessionStore = options.memorySessions ? new MemorySessionStore() : null;
  const sheaf = await createSheaf({
    root,
    ...(options.config ? { config: options.config } : {}),
    ...(sessionStore ? { sessionStore } : {}),
    failureDelayMs: [0, 0],
    watch: false,
    log: () => undefined,
    ...options.extra,
  });
  const site: TestSite = {
    root,
    sheaf,
    sessionStore,
    client: () => new Client(sheaf),
    close: async () => {
      openSites.delete(site);
      await sheaf.close();
    },
  };
  openSites.add(site);
  return site;
}

/** Closes every site started by `startSite` and removes every temporary copy. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...openSites].map((site) => site.close()));
  await Promise.all([...tempRoots].map((root) => rm(root, { recursive: true, force: true })));
  tempRoots.clear();
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  readonly body: unknown;
  /** Every Set-Cookie header of the response. */
  readonly setCookies: readonly string[];
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** JSON body (sent as application/json). */
  readonly json?: unknown;
  /** Form body (sent as application/x-www-form-urlencoded). */
  readonly form?: Record<string, string>;
  /** Raw body with its content type. */
  readonly raw?: { readonly body: string; readonly contentType: string };
}

/** Sends one request through `server.inject()`. */
export async function send(sheaf: Sheaf, method: string, url: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    payload = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers["content-type"] ??= "application/x-www-form-urlencoded";
    payload = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    headers["content-type"] = options.raw.contentType;
    payload = options.raw.body;
  }
  const response = await sheaf.server.inject({
    method: method as "GET",
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
  const setCookie = response.headers["set-cookie"];
  const setCookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)];
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text: response.body, body, setCookies };
}

/** The `name=value` part of a Set-Cookie header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0] ?? "";
}

/** The session token inside a `kirby_session` Set-Cookie header or cookie pair (`<hmac>%2B<token>`). */
export function tokenOf(setCookieOrPair: string): string {
  const value = decodeURIComponent(cookiePair(setCookieOrPair).slice(cookiePair(setCookieOrPair).indexOf("=") + 1));
  return value.slice(value.indexOf("+") + 1);
}

export function hmacSha1(value: string, key = DEFAULT_COOKIE_KEY): string {
  return createHmac("sha1", key).update(value).digest("hex");
}

/** `data` of a model envelope. */
export function dataOf(reply: Reply): Record<string, unknown> {
  return (reply.body as { data: Record<string, unknown> }).data;
}

/** `data` of a collection envelope. */
export function itemsOf(reply: Reply): Array<Record<string, unknown>> {
  return (reply.body as { data: Array<Record<string, unknown>> }).data;
}

export function paginationOf(reply: Reply): Record<string, number> {
  return (reply.body as { pagination: Record<string, number> }).pagination;
}

/** A browser-like client: keeps the last session cookie it was sent and the CSRF token it fetched. */
export class Client {
  /** `kirby_session=<value>` to send, or null. */
  cookie: string | null = null;
  csrf: string | null = null;

  constructor(readonly sheaf: Sheaf) {}

  /** Sends a request with the stored cookie (and `X-CSRF` when `withCsrf`), then keeps any new cookie. */
  async request(method: string, url: string, options: RequestOptions & { withCsrf?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers["cookie"] = this.cookie;
    if (options.withCsrf && this.csrf) headers["x-csrf"] = this.csrf;
    const reply = await send(this.sheaf, method, url, { ...options, headers: { ...headers, ...options.headers } });
    this.remember(reply);
    return reply;
  }

  /** GET with session cookie and `X-CSRF`. */
  get(url: string, options: RequestOptions = {}): Promise<Reply> {
    return this.request("GET", url, { ...options, withCsrf: true });
  }

  private remember(reply: Reply): void {
    const last = reply.setCookies.filter((header) => header.startsWith("kirby_session=")).at(-1);
    if (last === undefined) return;
    this.cookie = cookiePair(last).startsWith("kirby_session=deleted") ? null : cookiePair(last);
  }

  /** Fetches a CSRF token (and the session cookie that holds it). */
  async fetchCsrf(): Promise<string> {
    const reply = await this.request("GET", "/api/auth/csrf");
    if (reply.status !== 200) throw new Error(`GET /api/auth/csrf answered ${reply.status}: ${reply.text}`);
    this.csrf = (reply.body as { csrf: string }).csrf;
    return this.csrf;
  }

  /** Logs in through `POST /api/auth/login` (fetching a CSRF token first when needed). */
  async login(account: Pick<Account, "email" | "password">, { long = false } = {}): Promise<Reply> {
    if (!this.csrf) await this.fetchCsrf();
    return this.request("POST", "/api/auth/login", {
      withCsrf: true,
      json: { email: account.email, password: account.password, long },
    });
  }

  /** Logs in and fails the test when that does not work. */
  async loginOrThrow(account: Pick<Account, "email" | "password">, options: { long?: boolean } = {}): Promise<this> {
    const reply = await this.login(account, options);
    if (reply.status !== 200) throw new Error(`login of ${account.email} answered ${reply.status}: ${reply.text}`);
    return this;
  }
}

/** Names of the files in a folder, or null when it does not exist. */
export async function listFolder(folder: string): Promise<string[] | null> {
  return readdir(folder).catch(() => null);
}

export async function readJsonFile<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

interface GoldenStep {
  readonly request: { readonly method: string; readonly path: string };
  readonly response: { readonly status: number; readonly body: unknown };
}

/** The recorded response body of a golden step, with `<origin>` replaced by `origin`. */
export async function goldenBody(file: string, method: string, requestPath: string, origin: string): Promise<unknown> {
  const golden = await readJsonFile<{ steps: GoldenStep[] }>(path.join(GOLDEN_DIR, file));
  const step = golden.steps.find(
    (candidate) => candidate.request.method === method && candidate.request.path === requestPath,
  );
  if (!step) throw new Error(`no step ${method} ${requestPath} in ${file}`);
  return JSON.parse(JSON.stringify(step.response.body).replaceAll("<origin>", origin));
}

/** An `Authorization: Basic` header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** Sends a request as if it came from `ip` (for throttling and proxy tests); JSON bodies are serialised. */
export async function injectFrom(
  sheaf: Sheaf,
  ip: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  json?: unknown,
): Promise<Reply> {
  const response = await sheaf.server.inject({
    method: method as "GET",
    url,
    remoteAddress: ip,
    headers: json === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(json === undefined ? {} : { payload: JSON.stringify(json) }),
  });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  const setCookie = response.headers["set-cookie"];
  const setCookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)];
  return { status: response.statusCode, headers: response.headers, text: response.body, body, setCookies };
}

/** Resolves once every audit entry recorded so far is on disk (entries are written after the answers). */
export function auditWritten(site: TestSite): Promise<void> {
  return site.sheaf.services.security.audit.idle();
}

/** `Authorization: Bearer <token>` as a header map. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface CreatedToken {
  readonly id: string;
  readonly token: string;
  readonly reply: Reply;
}

/** Creates an application password through the API with a session client (own account by default). */
export async function createToken(
  client: Client,
  body: Record<string, unknown> = { name: "script", scope: "full" },
  url = "/api/account/tokens",
): Promise<CreatedToken> {
  const reply = await client.request("POST", url, { withCsrf: true, json: body });
  if (reply.status !== 200) throw new Error(`POST ${url} answered ${reply.status}: ${reply.text}`);
  const data = dataOf(reply);
  return { id: data["id"] as string, token: data["token"] as string, reply };
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Waits until the wall clock enters a new second (`.htpasswd` mtimes and login times have 1 s resolution). */
export async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
}

/** Gives a user of a copied site a TOTP secret (the second line of its `.htpasswd`), as Kirby stores it. */
export async function giveTotpSecret(root: string, userId: string, secret: string): Promise<void> {
  const file = path.join(root, "site", "accounts", userId, ".htpasswd");
  const hash = (await readFile(file, "utf8")).split("\n")[0];
  await writeFile(file, `${hash}\n${JSON.stringify({ totp: secret })}`);
}
