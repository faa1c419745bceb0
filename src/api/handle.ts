import { InvalidArgumentError, UnexpectedError } from "../errors.js";
import type { Identity, IdentitySource, RouteAuth } from "../auth/index.js";
import type { Actor } from "../permissions/can.js";
import { scopeAllows } from "../tokens/index.js";
import { Params, type ApiContext, type SiteServices, type UploadSource } from "./context.js";
import { renderError, renderResult, type ApiResponse } from "./envelope.js";
import { selectionParam } from "./query-params.js";
import { routablePath, type Router } from "./router.js";
import { inRequestLanguage } from "./language-context.js";

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]);

/** Body as parsed at the edge, or the reason it could not be. */
export type ParsedBody =
  | { readonly ok: true; readonly values: Record<string, unknown> }
  | { readonly ok: false; readonly message: string };

export interface ApiCall {
  readonly method: string;
  /** Path below the API slug (may be empty), query string removed, not decoded. */
  readonly path: string;
  readonly query: Record<string, string>;
  /**
   * Reads and parses the body, up to `limitBytes`. Called only once the route is known and its caller identified,
   * so an anonymous or misrouted request never makes the server read (or wait for) a large body.
   */
  readonly readBody: (limitBytes: number) => Promise<ParsedBody>;
  /** The unread body for `multipart` routes (absent for requests without one). */
  readonly rawBody?: () => UploadSource | undefined;
  readonly methodOverride: string | undefined;
  readonly auth: RouteAuth & IdentitySource;
  readonly baseUrl: string;
  /** Told of every error answer, with its status (for the operator's log). */
  readonly onFailure?: (error: unknown, status: number) => void;
}

/**
 * The method the router sees: `X-HTTP-Method-Override` when valid, unknown methods as GET
 * (docs/kirby-compat/routes-and-envelopes.md#routing).
 */
export function effectiveMethod(method: string, override: string | undefined): string {
  const candidate = override?.trim().toUpperCase();
  if (candidate && KNOWN_METHODS.has(candidate)) return candidate;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "GET";
}

/**
 * The CSRF check of the routes that start a login: a cookie session must carry its token (Basic and header
 * sessions bring their own proof), else "Invalid CSRF token" (docs/kirby-compat/csrf-and-cors.md#where-it-is-checked).
 */
async function requireLoginCsrf(auth: ApiCall["auth"]): Promise<void> {
  if (auth.authType === "session" && !(await auth.isCsrfValid())) {
    throw new InvalidArgumentError({ message: "Invalid CSRF token" });
  }
}

/**
 * Runs one API request: Basic credentials checked (if sent), route (404 before any other auth), authenticate, check the
 * body, act, render.
 */
export async function handleApiCall(
  services: SiteServices,
  router: Router,
  call: ApiCall,
  projectRoot: string,
): Promise<ApiResponse> {
  const method = effectiveMethod(call.method, call.methodOverride);
  const path = routablePath(call.path);
  const query = new Params(call.query);
  // Basic credentials are checked once, before routing, on every API path: a failure counts as a failed login and
  // costs the delay whatever the route then answers; the steps that ask for the user later get the same (remembered)
  // refusal (docs/kirby-compat/auth-and-sessions.md#basic)
  if (call.auth.authType === "basic") await call.auth.basicUser().catch(() => undefined);
  const match = router.match(method, path);
  try {
    if (!match) throw new UnexpectedError(`No route found for path: "${path}" and request method: "${method}"`, 404);
    let identity: Identity | null = null;
    let actor: Actor = null;
    if (match.route.definition.auth) {
      // the common read resolves without waiting: no await, so no detour through the microtask queue
      const resolved = call.auth.identity();
      identity = resolved instanceof Promise ? await resolved : resolved;
      const token = identity.kind === "session" ? undefined : identity.token;
      actor = token
        ? {
            user: identity.user,
            role: identity.role,
            restrict: (category, action) => scopeAllows(token.scope, category, action),
            restrictionKey: token.scope,
          }
        : { user: identity.user, role: identity.role };
    }
    const definition = match.route.definition;
    const multipart = definition.body === "multipart";
    const upload = multipart ? call.rawBody?.() : undefined;
    const body = multipart
      ? { ok: true as const, values: {} }
      : await call.readBody(definition.maxBodyBytes ?? services.options.api.maxBodySize);
    if (!body.ok) throw new InvalidArgumentError({ message: body.message });
    if (definition.csrf === "login") await requireLoginCsrf(call.auth);
    const request = { method, path, query, body: new Params(body.values), ...(upload ? { upload } : {}) };
    const context: ApiContext =
      services.languages === undefined
        ? { services, actor, baseUrl: call.baseUrl, request, auth: call.auth, identity }
        : inRequestLanguage(services, services.languages, call, query, {
            actor,
            baseUrl: call.baseUrl,
            request,
            auth: call.auth,
            identity,
          });
    const result = await match.route.definition.action(context, match.params);
    return renderResult(
      result,
      {
        select: selectionParam(call.query),
        view: query.string("view"),
        page: query.textOrList("page"),
        limit: query.textOrList("limit"),
        values: call.query,
      },
      context,
    );
  } catch (error) {
    const response = renderError(error, {
      debug: services.options.debug,
      route: match ? match.route.regex.source : null,
      projectRoot,
    });
    call.onFailure?.(error, response.status);
    return response;
  }
}
