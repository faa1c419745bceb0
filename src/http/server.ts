import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { handleApiCall } from "../api/handle.js";
import type { SiteServices } from "../api/context.js";
import type { Router } from "../api/router.js";
import { RequestAuth, unwrapMappedIPv4, type AuthServices, type RequestInfo } from "../auth/index.js";
import { SheafError } from "../errors.js";
import { renderSitePath } from "../site/render.js";
import { parseBody, parseQuery } from "./body.js";
import { corsHeaders, mergeVary, type CorsHeaders } from "./cors.js";

export interface ServerDependencies {
  readonly services: SiteServices;
  readonly authServices: AuthServices;
  readonly router: Router;
  readonly projectRoot: string;
  /** Largest accepted request body in bytes. */
  readonly bodyLimitBytes?: number;
}

const JSON_TYPE = "application/json; charset=UTF-8";
const HTML_TYPE = "text/html; charset=UTF-8";
const ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

function headerMap(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function requestInfo(request: FastifyRequest): RequestInfo {
  const socket = request.raw.socket;
  return {
    method: request.method,
    headers: headerMap(request),
    remoteAddress: unwrapMappedIPv4(socket.remoteAddress),
    localAddress: unwrapMappedIPv4(socket.localAddress),
    localPort: socket.localPort ?? 0,
    encrypted: "encrypted" in socket && (socket as { encrypted?: boolean }).encrypted === true,
  };
}

function serializeJson(body: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body);
}

/** PHP truthiness of a query value: absent, empty and "0" are false. */
function isTruthyParam(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0";
}

/** The HTTP layer: one catch-all route; API paths go to the API pipeline, the rest to the site frontend. */
export function buildServer(dependencies: ServerDependencies): FastifyInstance {
  const { services, authServices, router, projectRoot } = dependencies;
  const options = services.options;
  const apiPrefix = `/${options.api.slug}/`;
  const server = Fastify({
    logger: false,
    bodyLimit: dependencies.bodyLimitBytes ?? 16 * 1024 * 1024,
    return503OnClosing: true,
    routerOptions: { ignoreDuplicateSlashes: false, ignoreTrailingSlash: false, maxParamLength: 4096 },
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  async function api(request: FastifyRequest, reply: FastifyReply, pathAndQuery: string): Promise<void> {
    const queryStart = pathAndQuery.indexOf("?");
    const path = queryStart < 0 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
    const query = parseQuery(queryStart < 0 ? "" : pathAndQuery.slice(queryStart + 1));
    const info = requestInfo(request);
    const auth = new RequestAuth(authServices, info, (name) => query[name]);
    let baseUrl: string;
    try {
      baseUrl = auth.environment.baseUrl;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply.code(400).header("content-type", JSON_TYPE);
      await reply.send(JSON.stringify({ status: "error", code: error instanceof SheafError ? error.key : "error", details: [], message }));
      return;
    }
    const response = await handleApiCall(
      services,
      router,
      {
        method: request.method,
        path: path.slice(apiPrefix.length),
        query,
        body: parseBody(request.body as Buffer | undefined, info.headers["content-type"]),
        methodOverride: info.headers["x-http-method-override"],
        auth,
        baseUrl,
      },
      projectRoot,
    );
    const outcome = await auth.finish();
    reply.code(response.status);
    if (outcome.setCookies.length) reply.header("set-cookie", outcome.setCookies);
    const cors = corsFor(request, false);
    applyCors(reply, cors);
    if (outcome.isPrivate) {
      reply.header("cache-control", "no-store, private");
      if (cors?.vary.length) reply.header("vary", cors.vary.join(", "));
    } else {
      reply.header("vary", mergeVary(outcome.vary, cors?.vary ?? []).join(", "));
    }
    reply.header("content-type", JSON_TYPE);
    await reply.send(serializeJson(response.body, isTruthyParam(query["pretty"])));
  }

  function corsFor(request: FastifyRequest, preflight: boolean): CorsHeaders | null {
    if (options.cors === false) return null;
    const origin = request.headers["origin"];
    const requested = request.headers["access-control-request-headers"];
    return corsHeaders(
      options.cors,
      { origin: typeof origin === "string" ? origin : undefined, requestHeaders: typeof requested === "string" ? requested : undefined },
      { preflight },
    );
  }

  function applyCors(reply: FastifyReply, cors: CorsHeaders | null): void {
    if (!cors) return;
    for (const [name, value] of cors.headers) if (!reply.hasHeader(name)) reply.header(name, value);
  }

  async function renderSite(request: FastifyRequest, reply: FastifyReply, path: string | null): Promise<void> {
    const rendered = renderSitePath(services.content, path === null ? "\u0000" : decodeSafely(path), options.home, options.error);
    const cors = corsFor(request, false);
    applyCors(reply, cors);
    reply.code(rendered.status).header("content-type", HTML_TYPE).header("vary", mergeVary(["Cookie"], cors?.vary ?? []).join(", "));
    await reply.send(rendered.html);
  }

  server.route({
    method: [...ALL_METHODS],
    url: "*",
    handler: async (request, reply) => {
      const url = request.raw.url ?? "/";
      if (request.method === "OPTIONS" && options.cors !== false && request.headers["access-control-request-method"] !== undefined) {
        const cors = corsFor(request, true);
        if (!cors) {
          await renderSite(request, reply, null);
          return;
        }
        applyCors(reply, cors);
        if (cors.vary.length) reply.header("vary", cors.vary.join(", "));
        reply.code(204);
        await reply.send();
        return;
      }
      if (options.api.enabled && url.startsWith(apiPrefix) && url.length > apiPrefix.length && url[apiPrefix.length] !== "?") {
        await api(request, reply, url);
        return;
      }
      const path = url.split("?")[0] ?? "/";
      await renderSite(request, reply, request.method === "GET" || request.method === "HEAD" ? path : null);
    },
  });

  server.setErrorHandler(async (error, _request, reply) => {
    const status = typeof (error as { statusCode?: number }).statusCode === "number" ? (error as { statusCode: number }).statusCode : 500;
    reply.code(status >= 400 && status < 600 ? status : 500).header("content-type", JSON_TYPE);
    await reply.send(
      JSON.stringify({
        status: "error",
        message: status === 413 ? "The request body is too large" : "The request could not be read",
        code: status,
        key: "error.invalidArgument",
        details: [],
      }),
    );
  });
  return server;
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
