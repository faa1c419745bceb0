import { changesApi, type ChangesApi } from "./changes-api.js";
import { pagesApi, siteApi, type PagesApi, type SiteApi } from "./content-api.js";
import { blueprintsApi, searchApi, type BlueprintsApi, type SearchApi } from "./search-blueprints-api.js";
import { loginUserOf, modelOf, okOf } from "./envelopes.js";
import { accountApi, rolesApi, usersApi, type AccountApi, type RolesApi, type UsersApi } from "./people-api.js";
import type { QueryParams } from "./paths.js";
import {
  auditApi,
  loginOutcomeOf,
  sessionsApi,
  tokensApi,
  twoFactorApi,
  type AuditApi,
  type SessionsApi,
  type TokensApi,
  type TwoFactorApi,
} from "./security-api.js";
import type { InstallInput, PendingLogin } from "./security-types.js";
import { Transport, type ApiRequest, type ClientOptions, type HttpMethod } from "./transport.js";
import type { AuthUser, System } from "./types.js";
import type { LoginInput } from "./wire-types.js";

export interface AuthApi {
  /** `GET auth`: the logged-in user with the role's permissions. */
  me(): Promise<AuthUser>;
}

export interface SystemApi {
  /** `GET system`: the login view for anonymous callers, the panel view for a logged-in user. */
  get(): Promise<System>;
}

export interface RawRequestOptions {
  readonly query?: QueryParams;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Content language of this request (`X-Language`). */
  readonly language?: string;
}

export interface SheafClient {
  /** The API root every path is relative to, e.g. `https://example.com/api/`. */
  readonly apiUrl: string;
  readonly authType: "basic" | "bearer" | "session";

  /**
   * Session mode: logs in (after getting the CSRF token if the client has none yet) and answers with the user, or
   * with `{ status: "pending", challenge }` when the server asks for a code (two-factor login, or a login without
   * password): then call `verifyCode()`. Later requests carry the session. Not available with Basic auth.
   */
  login(input: LoginInput): Promise<AuthUser | PendingLogin>;
  /** Session mode: completes a pending login with the code (authenticator app, e-mail or a recovery code). */
  verifyCode(code: string): Promise<AuthUser>;
  /** `POST system/install`: creates the first user (an admin) of a site without users and logs it in. */
  install(input: InstallInput): Promise<AuthUser>;
  /** Session mode: logs out; the CSRF token stays valid for a next login. */
  logout(): Promise<void>;
  /** Session mode: keeps the session alive. */
  ping(): Promise<void>;
  /** The session's CSRF token (asked for once, then kept). */
  csrf(): Promise<string>;
  /**
   * A route without a method of its own (a plugin's route, for example): the JSON of a
   * successful answer, envelope included. Failures reject with SheafApiError like every other call.
   */
  request<T = unknown>(method: HttpMethod, path: string, options?: RawRequestOptions): Promise<T>;

  readonly auth: AuthApi;
  readonly site: SiteApi;
  readonly pages: PagesApi;
  readonly users: UsersApi;
  readonly account: AccountApi;
  readonly roles: RolesApi;
  readonly system: SystemApi;
  /** Application passwords (own, or a user's for admins). */
  readonly tokens: TokensApi;
  readonly sessions: SessionsApi;
  /** The security audit log (admins). */
  readonly audit: AuditApi;
  /** Time-based codes: set up, turn off, an admin's reset. */
  readonly twoFactor: TwoFactorApi;
  readonly search: SearchApi;
  readonly blueprints: BlueprintsApi;
  /** Unpublished changes of pages, the site and users, and their lock. */
  readonly changes: ChangesApi;

  /**
   * The same client (same session, CSRF token and credentials) reading and writing content in another language of
   * a multi-language site: `client.inLanguage("de").pages.update("about", { text: "…" })` writes the German file.
   */
  inLanguage(language: string): SheafClient;
}

function requireSession(transport: Transport, method: string): void {
  if (transport.authType !== "session") {
    throw new TypeError(`${method}() needs session auth; this client sends HTTP Basic credentials with every request`);
  }
}

/** A client for one Sheaf (or Kirby 5) site. Without `auth` it uses a session: call `login()` first. */
export function createClient(options: ClientOptions): SheafClient {
  return clientOn(new Transport(options));
}

/** The transport with every request in `language` unless the request names its own; state stays with the original. */
function inLanguage(transport: Transport, language: string): Transport {
  return new Proxy(transport, {
    get(target, key) {
      if (key === "send") {
        return (request: ApiRequest) => target.send({ ...request, language: request.language ?? language });
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function clientOn(transport: Transport): SheafClient {
  return {
    apiUrl: transport.apiRoot.href,
    authType: transport.authType,
    async login(input) {
      requireSession(transport, "login");
      const body = { email: input.email, password: input.password ?? "", long: input.long ?? false };
      return loginOutcomeOf(await transport.send({ method: "POST", path: "auth/login", body }));
    },
    async verifyCode(code) {
      requireSession(transport, "verifyCode");
      return loginUserOf(await transport.send({ method: "POST", path: "auth/code", body: { code } }));
    },
    async install(input) {
      requireSession(transport, "install");
      return loginUserOf(await transport.send({ method: "POST", path: "system/install", body: input }));
    },
    async logout() {
      requireSession(transport, "logout");
      okOf(await transport.send({ method: "POST", path: "auth/logout" }));
    },
    async ping() {
      requireSession(transport, "ping");
      okOf(await transport.send({ method: "POST", path: "auth/ping" }));
    },
    csrf: () => transport.csrf(),
    async request<T = unknown>(method: HttpMethod, path: string, request: RawRequestOptions = {}): Promise<T> {
      const answer = await transport.send({
        method,
        path: path.replace(/^\/+/, ""),
        ...(request.query ? { query: request.query } : {}),
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.language === undefined ? {} : { language: request.language }),
      });
      return answer.body as T;
    },
    auth: { me: () => transport.send({ method: "GET", path: "auth" }).then(modelOf<AuthUser>) },
    site: siteApi(transport),
    pages: pagesApi(transport),
    users: usersApi(transport),
    account: accountApi(transport),
    roles: rolesApi(transport),
    system: { get: () => transport.send({ method: "GET", path: "system" }).then(modelOf<System>) },
    tokens: tokensApi(transport),
    sessions: sessionsApi(transport),
    audit: auditApi(transport),
    twoFactor: twoFactorApi(transport),
    search: searchApi(transport),
    blueprints: blueprintsApi(transport),
    changes: changesApi(transport),
    inLanguage: (language) => clientOn(inLanguage(transport, language)),
  };
}
