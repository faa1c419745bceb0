import { CookieJar } from "./cookie-jar.js";
import { errorFromAnswer, networkFailure, unexpectedAnswer } from "./errors.js";
import type { MultipartBody } from "./multipart.js";
import { queryString, type QueryParams } from "./paths.js";

/**
 * How requests authenticate. `basic` sends the e-mail address and password (or an application password) with every
 * request (the server must enable `api.basicAuth`); `bearer` sends an application password as
 * `Authorization: Bearer`; `session` logs in once and then sends the session cookie and the CSRF token. `csrf` is
 * for servers with a fixed token (`api.csrf`); without it the client asks the server for the session's token.
 */
export type AuthOptions =
  | { readonly type: "basic"; readonly email: string; readonly password: string }
  | { readonly type: "bearer"; readonly token: string }
  | { readonly type: "session"; readonly csrf?: string };

/** Anything that fetches like the global `fetch` (a test double, a fetch with a proxy agent, …). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The site's URL (`https://example.com`, or with a path when the site lives in a folder); may be relative in a browser. */
  readonly url: string;
  /** Kirby's `api.slug`; default `api`. */
  readonly apiSlug?: string;
  /** Default: a session (log in with `login()`). */
  readonly auth?: AuthOptions;
  /** Default: the global `fetch`. */
  readonly fetch?: FetchFunction;
  /** Sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The content language of a multi-language site (`X-Language`), for every request; a call's own `language` wins.
   * Without it the server answers in its default language.
   */
  readonly language?: string;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Relative to the API root, e.g. `pages/blog+hello`. */
  readonly path: string;
  readonly query?: QueryParams;
  /** Sent as JSON when given. */
  readonly body?: unknown;
  /** An upload, sent instead of a JSON body. */
  readonly multipart?: MultipartBody;
  /** Content language of this request (`X-Language`), instead of the client's. */
  readonly language?: string;
}

export interface ApiAnswer {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
}

/** Routes a session request may use before it has a CSRF token (it is sent along once known). */
const WITHOUT_CSRF = new Set(["auth/csrf", "auth/logout", "auth/ping", "system"]);

interface BrowserLocation {
  readonly href: string;
  readonly origin: string;
}

function browserLocation(): BrowserLocation | undefined {
  const location = (globalThis as { location?: BrowserLocation }).location;
  return location && typeof location.href === "string" ? location : undefined;
}

function apiRootOf(url: string, apiSlug: string): URL {
  const location = browserLocation();
  let site: URL;
  try {
    site = location ? new URL(url, location.href) : new URL(url);
  } catch {
    throw new TypeError(`Invalid url "${url}": give the site's absolute URL, e.g. https://example.com`);
  }
  const slug = apiSlug.replace(/^\/+|\/+$/g, "");
  const base = site.pathname.endsWith("/") ? site.pathname : `${site.pathname}/`;
  return new URL(`${base}${slug === "" ? "" : `${slug}/`}`, site.origin);
}

/** `Basic base64(email:password)` of the UTF-8 bytes (btoa alone only takes Latin-1). */
function basicAuthorization(email: string, password: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(`${email}:${password}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function defaultFetch(): FetchFunction {
  if (typeof globalThis.fetch !== "function") throw new TypeError("No global fetch: pass one as the `fetch` option");
  return (input, init) => globalThis.fetch(input, init);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The HTTP side of the client: URLs, credentials, the CSRF token, the cookie jar where the runtime has no cookie
 * store of its own, and turning every failure into a SheafApiError.
 */
export class Transport {
  readonly authType: AuthOptions["type"];
  readonly apiRoot: URL;
  private readonly fetchFunction: FetchFunction;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly language: string | undefined;
  private readonly authorization: string | null;
  private readonly credentials: RequestCredentials | undefined;
  private readonly jar = new CookieJar();
  private csrfToken: string | null;
  private csrfRequest: Promise<string> | null = null;

  constructor(options: ClientOptions) {
    const auth = options.auth ?? { type: "session" };
    this.authType = auth.type;
    this.apiRoot = apiRootOf(options.url, options.apiSlug ?? "api");
    this.fetchFunction = options.fetch ?? defaultFetch();
    this.headers = options.headers ?? {};
    this.language = options.language;
    this.authorization =
      auth.type === "basic"
        ? basicAuthorization(auth.email, auth.password)
        : auth.type === "bearer"
          ? `Bearer ${auth.token}`
          : null;
    this.csrfToken = auth.type === "session" ? (auth.csrf ?? null) : null;
    // A browser sends its cookies to another origin only when asked to (and the server's CORS allows it).
    const pageOrigin = browserLocation()?.origin;
    this.credentials =
      auth.type === "session"
        ? pageOrigin !== undefined && pageOrigin !== this.apiRoot.origin
          ? "include"
          : "same-origin"
        : undefined;
  }

  /** The session's CSRF token, asked for once (`GET auth/csrf`) and kept: it survives login and logout. */
  csrf(): Promise<string> {
    if (this.csrfToken !== null) return Promise.resolve(this.csrfToken);
    this.csrfRequest ??= this.send({ method: "GET", path: "auth/csrf" })
      .then((answer) => {
        const token = isRecord(answer.body) ? answer.body["csrf"] : undefined;
        if (typeof token !== "string" || token === "")
          throw unexpectedAnswer(answer, answer.status, "no CSRF token in the answer");
        this.csrfToken = token;
        return token;
      })
      .finally(() => {
        this.csrfRequest = null;
      });
    return this.csrfRequest;
  }

  /** Sends a request and returns the parsed JSON of a successful answer; throws SheafApiError otherwise. */
  async send(request: ApiRequest): Promise<ApiAnswer> {
    if (this.authType === "session" && this.csrfToken === null && !WITHOUT_CSRF.has(request.path)) await this.csrf();
    const url = new URL(`${request.path}${queryString(request.query)}`, this.apiRoot);
    const line = { method: request.method, url: url.href };

    let response: Response;
    try {
      response = await this.fetchFunction(url.href, this.init(request, url));
    } catch (error) {
      throw networkFailure(line, error);
    }
    if (this.authType === "session" && typeof response.headers.getSetCookie === "function") {
      this.jar.store(response.headers.getSetCookie());
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkFailure(line, error);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      if (!response.ok) throw errorFromAnswer(line, response.status, response.statusText, undefined);
      throw unexpectedAnswer(line, response.status, text === "" ? "empty body" : "the body is not JSON", error);
    }
    if (!response.ok || (isRecord(body) && body["status"] === "error")) {
      throw errorFromAnswer(line, response.status, response.statusText, body);
    }
    return { ...line, status: response.status, body };
  }

  private init(request: ApiRequest, url: URL): RequestInit {
    const headers = new Headers(this.headers);
    headers.set("Accept", "application/json");
    if (request.body !== undefined) headers.set("Content-Type", "application/json");
    const language = request.language ?? this.language;
    if (language !== undefined) headers.set("X-Language", language);
    if (this.authorization !== null) headers.set("Authorization", this.authorization);
    if (this.csrfToken !== null) headers.set("X-CSRF", this.csrfToken);
    const cookies = this.authType === "session" ? this.jar.header(url.pathname) : null;
    if (cookies !== null) headers.set("Cookie", cookies);
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers };
    if (request.body !== undefined) init.body = JSON.stringify(request.body);
    const upload = request.multipart;
    if (upload?.kind === "form") init.body = upload.form;
    if (upload?.kind === "stream") {
      // a streamed request body: fetch needs to be told it will not wait for the answer before sending it
      headers.set("Content-Type", upload.contentType);
      init.body = upload.stream;
      init.duplex = "half";
    }
    if (this.credentials !== undefined) init.credentials = this.credentials;
    return init;
  }
}
