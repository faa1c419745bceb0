import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createListener } from "./listener.js";
import { logAccess, logFailure, requestIdOf } from "./request-log.js";
import type { InjectOptions, Response as InjectResponse } from "light-my-request";
import { handleApiCall } from "../api/handle.js";
import type { SiteServices } from "../api/context.js";
import { routablePath, type Router } from "../api/router.js";
import { RequestAuth, unwrapMappedIPv4, type AuthServices, type RequestInfo } from "../auth/index.js";
import { CORS_WILDCARD_CREDENTIALS_MESSAGE, corsCredentialsWithWildcard } from "../config/options.js";
import { InvalidArgumentError, SheafError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import { RequestIds } from "../log/request-id.js";
import { sitePathInLanguage } from "../site/site-language.js";
import { renderSitePath } from "../site/render.js";
import type { TemplateStore } from "../site/templates.js";
import type { ParsedBody } from "../api/handle.js";
import { discardUnreadBody, parseBody, parseQuery, readRequestBody } from "./body.js";
import { corsHeaders, mergeVary, type CorsHeaders } from "./cors.js";
import { isMediaPath, resolveMedia, sendMediaFile } from "./media.js";
import { healthAnswer } from "./health.js";
import { isClientAssetPath, sendClientAsset } from "./client-assets.js";

/**
 * The HTTP layer, directly on `node:http`: Sheaf routes by Kirby's own rules on the raw path, so a framework
 * router would only add work to every request. Reads the body with a size limit, sends the API pipeline's
 * answer (or the site frontend's), and adds cookies, caching and CORS headers.
 */

export interface ServerDependencies {
  readonly services: SiteServices;
  readonly authServices: AuthServices;
  readonly router: Router;
  readonly projectRoot: string;
  readonly logger: Logger;
  /** The site's templates, or null when it has none. */
  readonly templates?: TemplateStore | null;
}

export interface SheafServer {
  /** The request listener, for embedding Sheaf in another `node:http` server. */
  readonly handler: (request: IncomingMessage, response: ServerResponse) => void;
  /**
   * Sends a request through the handler without a socket (tests, scripts). Needs the optional peer dependency
   * `light-my-request`, loaded on first use.
   */
  inject(options: InjectOptions | string): Promise<InjectResponse>;
  /** Starts listening; resolves with the URL. */
  listen(options: { port: number; host?: string }): Promise<string>;
  close(): Promise<void>;
  readonly httpServer: Server;
}

const JSON_TYPE = "application/json; charset=UTF-8";
const HTML_TYPE = "text/html; charset=UTF-8";

type Headers = Record<string, string | undefined>;

/** Node already lower-cases names and joins repeated headers; only `set-cookie` stays a list (never read here). */
function headerMap(request: IncomingMessage): Headers {
  return request.headers as Headers;
}

function requestInfo(request: IncomingMessage, headers: Headers): RequestInfo {
  const socket = request.socket;
  return {
    method: request.method ?? "GET",
    headers,
    remoteAddress: unwrapMappedIPv4(socket.remoteAddress) || "127.0.0.1",
    localAddress: unwrapMappedIPv4(socket.localAddress) || "127.0.0.1",
    localPort: socket.localPort ?? 80,
    encrypted: (socket as { encrypted?: boolean }).encrypted === true,
  };
}

/** PHP truthiness of a query value: absent, empty and "0" are false. */
function isTruthyParam(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0";
}

/** Longest Host header accepted: a DNS name has at most 253 characters, plus a port. */
const MAX_HOST_LENGTH = 255;

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function buildServer(dependencies: ServerDependencies): SheafServer {
  const { services, authServices, router, projectRoot } = dependencies;
  const options = services.options;
  const apiPrefix = `/${options.api.slug}/`;
  const { mediaCacheControl } = options.server;
  const mediaHeaders: Readonly<Record<string, string>> =
    mediaCacheControl === false ? {} : { "cache-control": mediaCacheControl };
  /** Shared with the readiness answer: true once close() has begun. */
  const state = { stopping: false };
  const logger = dependencies.logger;
  const requestIds = new RequestIds();

  /** Kirby's global error handler: errors before any route (environment, CORS setup) as a bare JSON 400. */
  function sendGlobalError(response: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const body = { status: "error", code: error instanceof SheafError ? error.key : "error", details: [], message };
    send(response, 400, { "content-type": JSON_TYPE }, JSON.stringify(body));
  }

  function corsFor(headers: Headers, preflight: boolean): CorsHeaders | null {
    if (options.cors === false) return null;
    return corsHeaders(
      options.cors,
      { origin: headers["origin"], requestHeaders: headers["access-control-request-headers"] },
      { preflight },
    );
  }

  function send(
    response: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    body: string,
  ): void {
    // A known length, and the body as a string, let Node send headers and body in one write (no chunked stream).
    headers["content-length"] = String(Buffer.byteLength(body, "utf8"));
    response.writeHead(status, headers);
    response.end(body);
  }

  function withCors(headers: Record<string, string | string[]>, cors: CorsHeaders | null): void {
    if (!cors) return;
    for (const [name, value] of cors.headers) if (!(name in headers)) headers[name] = value;
  }

  /** A path below the API slug that names something once URL parameters are removed (`/api/a:b` is the site's). */
  function isApiPath(url: string): boolean {
    if (!url.startsWith(apiPrefix)) return false;
    const queryStart = url.indexOf("?", apiPrefix.length);
    return routablePath(url.slice(apiPrefix.length, queryStart < 0 ? undefined : queryStart)) !== "";
  }

  const siteOptions = {
    content: services.content,
    templates: dependencies.templates ?? null,
    homeId: options.home,
    errorId: options.error,
  };

  /** Site frontend: the page at a path through its template; the visitor's session only if a template asks. */
  async function renderSite(
    request: IncomingMessage,
    response: ServerResponse,
    headers: Headers,
    path: string | null,
  ): Promise<void> {
    const auth = new RequestAuth(authServices, requestInfo(request, headers), () => undefined);
    // Links inside the site are root-relative, so they work under any host name the visitor used.
    let basePath: string;
    try {
      basePath = auth.environment.indexPath.replace(/\/+$/, "");
    } catch (error) {
      // a host outside the `url` allow-list: every request fails, as in Kirby
      sendGlobalError(response, error);
      return;
    }
    const session = await auth.cookieSession();
    // the page depends on the visitor's cookie only when its template asks for the session (csrf())
    let usedSession = false;
    const decoded = path === null ? null : decodeSafely(path);
    // a multi-language site: `/de/notes` is `notes` in German, its links under `/de`
    const inLanguage = services.languages && decoded !== null ? sitePathInLanguage(services.languages, decoded) : null;
    const rendered = renderSitePath(
      inLanguage ? { ...siteOptions, content: inLanguage.content } : siteOptions,
      inLanguage ? inLanguage.path : decoded,
      {
        baseUrl: basePath + (inLanguage?.prefix ?? ""),
        csrf: () => {
          usedSession = true;
          return auth.csrfTokenFor(session);
        },
      },
    );
    const outcome = await auth.finish();
    const cors = corsFor(headers, false);
    const out: Record<string, string | string[]> = {};
    if (outcome.setCookies.length) out["set-cookie"] = [...outcome.setCookies];
    withCors(out, cors);
    out["content-type"] = HTML_TYPE;
    if (outcome.setCookies.length || usedSession) out["cache-control"] = "no-store, private";
    if (cors?.vary.length) out["vary"] = cors.vary.join(", ");
    send(response, rendered.status, out, request.method === "HEAD" ? "" : rendered.html);
  }

  /** A media URL: the file, a redirect to its current URL, or the site's answer (its 404 page). */
  async function media(
    request: IncomingMessage,
    response: ServerResponse,
    headers: Headers,
    url: string,
  ): Promise<void> {
    const auth = new RequestAuth(authServices, requestInfo(request, headers), () => undefined);
    // the base URL only for a redirect: serving a file needs no origin
    const outcome = await resolveMedia(url, services, () => auth.environment.baseUrl);
    if (outcome.kind === "file") return sendMediaFile(request, response, outcome.model, mediaHeaders);
    if (outcome.kind === "redirect")
      return send(response, 307, { location: outcome.location, "content-type": HTML_TYPE }, "");
    return renderSite(request, response, headers, url.split("?")[0] ?? "/");
  }

  async function api(request: IncomingMessage, response: ServerResponse, headers: Headers, url: string): Promise<void> {
    const queryStart = url.indexOf("?");
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const query = parseQuery(queryStart < 0 ? "" : url.slice(queryStart + 1));
    const info = requestInfo(request, headers);
    const auth = new RequestAuth(authServices, info, (name) => query[name]);
    let baseUrl: string;
    try {
      baseUrl = auth.environment.baseUrl;
    } catch (error) {
      sendGlobalError(response, error);
      return;
    }
    const method = request.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const readBody = async (limitBytes: number): Promise<ParsedBody> => {
      if (!hasBody) return { ok: true, values: {} };
      return parseBody(await readRequestBody(request, limitBytes), headers["content-type"]);
    };
    const result = await handleApiCall(
      services,
      router,
      {
        method,
        path: path.slice(apiPrefix.length),
        query,
        readBody,
        rawBody: () =>
          hasBody
            ? {
                stream: request,
                contentType: headers["content-type"],
                contentLength: /^\d{1,15}$/.test(headers["content-length"] ?? "")
                  ? Number(headers["content-length"])
                  : null,
              }
            : undefined,
        methodOverride: headers["x-http-method-override"],
        auth,
        baseUrl,
        onFailure: (error, status) => logFailure(logger, response, error, status, method, path),
      },
      projectRoot,
    );
    const outcome = await auth.finish();
    const out: Record<string, string | string[]> = { ...result.headers };
    if (outcome.setCookies.length) out["set-cookie"] = [...outcome.setCookies];
    const cors = corsFor(headers, false);
    withCors(out, cors);
    if (outcome.isPrivate) {
      out["cache-control"] = "no-store, private";
      if (cors?.vary.length) out["vary"] = cors.vary.join(", ");
    } else {
      out["vary"] = mergeVary(outcome.vary, cors?.vary ?? []).join(", ");
    }
    out["content-type"] = JSON_TYPE;
    const pretty = isTruthyParam(query["pretty"]);
    send(
      response,
      result.status,
      out,
      pretty ? JSON.stringify(result.body, null, 4) : (result.json ?? JSON.stringify(result.body)),
    );
    // refused before its body was needed (or cut off at the size limit): let the client finish sending, within bounds
    if (hasBody) discardUnreadBody(request);
  }

  function preflight(request: IncomingMessage, response: ServerResponse, headers: Headers): void {
    const cors = corsFor(headers, true);
    if (!cors) {
      void renderSite(request, response, headers, null).catch((error: unknown) => fail(response, error));
      return;
    }
    const out: Record<string, string | string[]> = {};
    withCors(out, cors);
    if (cors.vary.length) out["vary"] = cors.vary.join(", ");
    response.writeHead(204, out);
    response.end();
  }

  /** Last resort for errors outside the API pipeline (site rendering, broken streams). */
  function fail(response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      logger.error({ requestId: requestIdOf(response), err: error }, "Request failed after the answer had started");
      response.destroy();
      return;
    }
    const known = error instanceof SheafError;
    if (!known) logger.error({ requestId: requestIdOf(response), err: error }, "Request failed");
    const status = known ? error.httpCode : 500;
    const body = {
      status: "error",
      message: known ? error.message : "An unexpected error occurred",
      code: status,
      key: known ? error.key : null,
      details: [],
    };
    send(response, status, { "content-type": JSON_TYPE, connection: "close" }, JSON.stringify(body));
  }

  // Kirby builds the CORS headers of every response, and that fails for credentials with the wildcard origin
  const corsSetupError = corsCredentialsWithWildcard(options.cors)
    ? new InvalidArgumentError({ message: CORS_WILDCARD_CREDENTIALS_MESSAGE })
    : null;

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? "/";
    const headers = headerMap(request);
    const method = request.method ?? "GET";
    const peer = unwrapMappedIPv4(request.socket.remoteAddress) || "127.0.0.1";
    response.setHeader(
      "x-request-id",
      requestIds.forRequest(headers["x-request-id"], authServices.proxies.isTrusted(peer)),
    );
    if (options.log.access) logAccess(logger, request, response, process.hrtime.bigint());
    try {
      if ((headers["host"]?.length ?? 0) > MAX_HOST_LENGTH) {
        discardUnreadBody(request);
        sendGlobalError(
          response,
          new InvalidArgumentError({ message: `The Host header is longer than ${MAX_HOST_LENGTH} characters` }),
        );
        return;
      }
      if (corsSetupError) {
        discardUnreadBody(request);
        sendGlobalError(response, corsSetupError);
        return;
      }
      if (method === "OPTIONS" && options.cors !== false && headers["access-control-request-method"] !== undefined) {
        discardUnreadBody(request);
        preflight(request, response, headers);
        return;
      }
      const health = options.server.healthPath ? healthAnswer(options.server.healthPath, method, url, state) : null;
      if (health) {
        discardUnreadBody(request);
        send(response, health.status, { "content-type": JSON_TYPE, "cache-control": "no-store" }, health.body);
        return;
      }
      if (options.api.enabled && isApiPath(url)) {
        api(request, response, headers, url).catch((error: unknown) => fail(response, error));
        return;
      }
      discardUnreadBody(request);
      if ((method === "GET" || method === "HEAD") && isClientAssetPath(url)) {
        sendClientAsset(request, response, url)
          .then((sent) => (sent ? undefined : renderSite(request, response, headers, url.split("?")[0] ?? "/")))
          .catch((error: unknown) => fail(response, error));
        return;
      }
      if ((method === "GET" || method === "HEAD") && isMediaPath(url)) {
        media(request, response, headers, url).catch((error: unknown) => fail(response, error));
        return;
      }
      renderSite(
        request,
        response,
        headers,
        method === "GET" || method === "HEAD" ? (url.split("?")[0] ?? "/") : null,
      ).catch((error: unknown) => fail(response, error));
    } catch (error) {
      fail(response, error);
    }
  };

  const listener = createListener(handler, options.server, logger, state);
  const httpServer = listener.httpServer;

  return {
    handler,
    httpServer,
    inject: async (injectOptions) => {
      const { default: lightMyRequest } = await import("light-my-request");
      return lightMyRequest(handler, injectOptions);
    },
    listen: listener.listen,
    close: listener.close,
  };
}
