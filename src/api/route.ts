import type { ApiContext } from "./context.js";
import type { CollectionResult, ModelResult } from "./result.js";

/**
 * What an action may return; `api/envelope.ts` maps each kind to Kirby's response
 * (docs/kirby-compat/routes-and-envelopes.md#success-envelopes).
 */
export type ApiResult =
  | ModelResult
  | CollectionResult
  | true
  | false
  | null
  | { readonly [key: string]: unknown }
  | readonly unknown[];

/**
 * How a route checks CSRF. `session`: as part of the caller's identity (every `auth` route). `login`: the routes that
 * start a login (`auth/login`, `auth/code`, `system/install`) need the token of a cookie session, checked by the
 * pipeline once the body is read and answered "Invalid CSRF token". `none`: public routes.
 */
export type CsrfMode = "session" | "login" | "none";

/**
 * One entry of a route table. Everything the pipeline decides before the action runs is declared here, not called
 * from inside the action: who may call (`auth`), how CSRF is checked (`csrf`), and how much body is read
 * (`maxBodyBytes`). So the pipeline refuses early, and the table is enough to describe the API.
 */
export interface RouteDefinition {
  readonly methods: readonly string[];
  readonly pattern: string;
  /** False for Kirby's `auth: false` routes (login, logout, ping, system, …). */
  readonly auth: boolean;
  readonly csrf: CsrfMode;
  /** Largest body the route reads, in bytes; default the `api.maxBodySize` option. */
  readonly maxBodyBytes?: number;
  /**
   * How the body reaches the action: `json` (default) parsed into `request.body`; `multipart` as the unread request
   * stream in `request.upload` (uploads are streamed to disk by the action, never buffered).
   */
  readonly body?: BodyKind;
  action(context: ApiContext, params: readonly string[]): ApiResult | Promise<ApiResult>;
}

export type BodyKind = "json" | "multipart";

export interface RouteOptions {
  readonly auth?: boolean;
  readonly body?: BodyKind;
  /** Default: `session` for `auth` routes, `none` for the others. */
  readonly csrf?: CsrfMode;
  readonly maxBodyBytes?: number;
}

export function route(
  methods: string | readonly string[],
  pattern: string,
  action: RouteDefinition["action"],
  { auth = true, csrf = auth ? "session" : "none", maxBodyBytes, body }: RouteOptions = {},
): RouteDefinition {
  const definition = { methods: typeof methods === "string" ? [methods] : methods, pattern, auth, csrf, action };
  const withLimit = maxBodyBytes === undefined ? definition : { ...definition, maxBodyBytes };
  return body === undefined || body === "json" ? withLimit : { ...withLimit, body };
}
