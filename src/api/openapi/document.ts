import type { TSchema } from "@sinclair/typebox";
import type { RouteDefinition } from "../route.js";
import { ErrorEnvelope } from "./envelopes.js";
import { specKey, type RouteSpec, type SpecTable } from "./spec.js";

/** A JSON value of the document. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface DocumentOptions {
  /** The site's URL when it is fixed (Kirby's `url` option with one URL), else null: servers are then site-relative. */
  readonly siteUrl: string | null;
  /** `api.slug` (the API's path below the site). */
  readonly apiSlug: string;
  /** `server.healthPath`, or false when the health paths are off. */
  readonly healthPath: string | false;
  /** `session.cookieName`. */
  readonly cookieName: string;
}

const PLACEHOLDER = /\(:(?:any|all\??|num|alpha|alphanum)\)/g;
const ERROR_RESPONSE = { $ref: "#/components/responses/Error" };
const AUTHENTICATED: Json = [{ session: [], csrf: [] }, { basic: [] }, { bearer: [] }];

/** Placeholders of a pattern, in order. */
export function placeholdersOf(pattern: string): string[] {
  return pattern.match(PLACEHOLDER) ?? [];
}

/** `pages/(:any)/files/(:any)` with `["id", "filename"]` ⇒ `/pages/{id}/files/{filename}`. */
export function openApiPath(pattern: string, params: readonly string[]): string {
  let index = 0;
  return `/${pattern.replace(PLACEHOLDER, () => `{${params[index++] ?? `param${index}`}}`)}`;
}

/**
 * TypeBox schemas as plain JSON Schema: the symbols TypeBox keeps go, `errorMessage` (Sheaf's wording for a failed
 * check) goes, and every schema with an `$id` becomes a named component referred to by `$ref`.
 */
class SchemaSink {
  readonly components: JsonObject = {};

  convert(schema: TSchema | Json): Json {
    const plain = JSON.parse(JSON.stringify(schema)) as Json;
    return this.hoist(plain);
  }

  private hoist(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.hoist(item));
    if (value === null || typeof value !== "object") return value;
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === "errorMessage" || key === "$id") continue;
      out[key] = this.hoist(item);
    }
    const id = value["$id"];
    if (typeof id !== "string") return out;
    this.components[id] ??= out;
    return { $ref: `#/components/schemas/${id}` };
  }
}

function parametersOf(definition: RouteDefinition, spec: RouteSpec | undefined, sink: SchemaSink): Json[] {
  const names = spec?.params ?? [];
  const path: Json[] = placeholdersOf(definition.pattern).map((_, index) => ({
    name: names[index] ?? `param${index + 1}`,
    in: "path",
    required: true,
    schema: { type: "string" },
    ...(names[index] === "id" ? { description: "Page id with `+` for `/` (blog+hello)" } : {}),
  }));
  const query = spec?.query;
  if (!query) return path;
  const required = new Set(query.required ?? []);
  const fromQuery: Json[] = Object.entries(query.properties).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema: sink.convert(schema),
  }));
  return [...path, ...fromQuery];
}

function requestBodyOf(definition: RouteDefinition, spec: RouteSpec | undefined, sink: SchemaSink): Json | undefined {
  if (definition.body === "multipart") {
    return {
      required: true,
      content: {
        "multipart/form-data": {
          schema: { type: "object", required: ["file"], properties: { file: { type: "string", format: "binary" } } },
        },
      },
    };
  }
  if (!spec?.body) return undefined;
  return { content: { "application/json": { schema: sink.convert(spec.body) } } };
}

function operationId(method: string, path: string): string {
  const words = path
    .split(/[^a-zA-Z0-9]+/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${method.toLowerCase()}${words.join("")}`;
}

function operationOf(
  method: string,
  definition: RouteDefinition,
  spec: RouteSpec | undefined,
  sink: SchemaSink,
): JsonObject {
  const path = openApiPath(definition.pattern, spec?.params ?? []);
  const body = requestBodyOf(definition, spec, sink);
  const operation: JsonObject = {
    operationId: operationId(method, path),
    summary: spec?.summary ?? "Undeclared route",
    tags: [spec?.tag ?? "undeclared"],
    parameters: parametersOf(definition, spec, sink),
    ...(body === undefined ? {} : { requestBody: body }),
    responses: {
      "200": {
        description: spec?.summary ?? "OK",
        content: { "application/json": { schema: spec ? sink.convert(spec.response) : {} } },
      },
      ...(definition.auth ? { "401": ERROR_RESPONSE, "403": ERROR_RESPONSE } : {}),
      "4XX": ERROR_RESPONSE,
      "5XX": ERROR_RESPONSE,
    },
    security: definition.auth ? AUTHENTICATED : [],
  };
  if (spec?.sheaf) operation["x-sheaf"] = true;
  if (definition.csrf === "login") {
    operation["description"] = "With a cookie session, send the session's CSRF token as X-CSRF.";
  }
  return operation;
}

/** Sheaf's paths outside the API: health for balancers, media URLs of files. */
function sitePaths(options: DocumentOptions): JsonObject {
  const servers: Json = [{ url: siteRoot(options) || "/", description: "The site" }];
  const media = (kind: string, description: string): Json => ({
    servers,
    get: {
      operationId: `getMedia${kind}`,
      summary: description,
      tags: ["media"],
      security: [],
      "x-sheaf": true,
      responses: {
        "200": { description: "The file, with ETag, Last-Modified and ranges" },
        "302": { description: "An outdated hash: to the file's current URL" },
        "404": { description: "No such file (the site's error page)" },
      },
    },
  });
  const paths: JsonObject = {
    "/media/pages/{page}/{hash}/{filename}": media("Page", "A page's file (`page` is the page id, slashes included)"),
    "/media/site/{hash}/{filename}": media("Site", "A file of the site"),
    "/media/users/{user}/{hash}/{filename}": media("User", "A user's file or avatar"),
  };
  if (options.healthPath) {
    const health = (name: string, description: string): Json => ({
      servers,
      get: {
        operationId: `get${name}`,
        summary: description,
        tags: ["health"],
        security: [],
        "x-sheaf": true,
        responses: {
          "200": {
            description: "Up",
            content: { "application/json": { schema: { type: "object", properties: { status: { type: "string" } } } } },
          },
          "503": { description: "Shutting down (readiness only)" },
        },
      },
    });
    paths[`${options.healthPath}/live`] = health("Live", "Liveness: answers while the process runs");
    paths[`${options.healthPath}/ready`] = health("Ready", "Readiness: the site is loaded and not shutting down");
  }
  return paths;
}

/** The site's URL without a trailing slash, or "" (site-relative). */
function siteRoot(options: DocumentOptions): string {
  const url = options.siteUrl ?? "";
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

function withPathParameters(paths: JsonObject): JsonObject {
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith("/media/") || item === null || typeof item !== "object" || Array.isArray(item)) continue;
    item["parameters"] = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name: name ?? "",
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
  }
  return paths;
}

/** The OpenAPI 3.1 document of a route table and the declarations of its routes. */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  specs: SpecTable,
  options: DocumentOptions,
): JsonObject {
  const sink = new SchemaSink();
  const paths: JsonObject = {};
  for (const definition of routes) {
    for (const method of definition.methods) {
      const spec = specs[specKey(method, definition.pattern)];
      const path = openApiPath(definition.pattern, spec?.params ?? []);
      const item = (paths[path] ??= {}) as JsonObject;
      item[method.toLowerCase()] ??= operationOf(method, definition, spec, sink);
    }
  }
  const errorSchema = sink.convert(ErrorEnvelope);
  return {
    openapi: "3.1.0",
    info: {
      title: "Sheaf API",
      version: "5",
      description:
        "Kirby 5's REST API as Sheaf serves it, and Sheaf's additions (x-sheaf: application passwords, sessions, " +
        "the audit log, two-factor setup, health and media URLs). Answers use Kirby's envelopes; failures the error " +
        "envelope.",
    },
    servers: [{ url: `${siteRoot(options)}/${options.apiSlug}`, description: "The API, below the site's URL" }],
    paths: { ...paths, ...withPathParameters(sitePaths(options)) },
    components: {
      schemas: sink.components,
      responses: {
        Error: {
          description: "Kirby's error envelope; `key` names the error (error.*), `details` the failed fields",
          content: { "application/json": { schema: errorSchema } },
        },
      },
      securitySchemes: {
        session: {
          type: "apiKey",
          in: "cookie",
          name: options.cookieName,
          description: "A session from auth/login (or `Authorization: Session <token>`); cookie sessions send X-CSRF",
        },
        csrf: { type: "apiKey", in: "header", name: "X-CSRF", description: "The token of GET auth/csrf" },
        basic: {
          type: "http",
          scheme: "basic",
          description: "E-mail and password or application password (api.basicAuth)",
        },
        bearer: { type: "http", scheme: "bearer", description: "An application password (Sheaf)" },
      },
    },
  };
}
