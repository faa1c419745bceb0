import type { SheafOptions } from "../../config/index.js";
import { buildOpenApiDocument, routeSpecs, type JsonObject } from "../openapi/index.js";
import { route, type RouteDefinition } from "../route.js";

/**
 * `GET openapi.json`: the OpenAPI 3.1 document of the site's routes (docs/openapi.md). Public, like the API's own
 * description in `GET system`; Kirby has no route of this name, and it is registered last, so it shadows nothing.
 * Built once per site (its routes and options do not change while it is served).
 */
export function openApiRoute(tableOf: (options: SheafOptions) => readonly RouteDefinition[]): RouteDefinition {
  const documents = new WeakMap<SheafOptions, JsonObject>();
  return route(
    "GET",
    "openapi.json",
    (context) => {
      const { options } = context.services;
      let document = documents.get(options);
      if (document === undefined) {
        document = buildOpenApiDocument(tableOf(options), routeSpecs, {
          siteUrl: typeof options.url === "string" && options.url !== "*" ? options.url : null,
          apiSlug: options.api.slug,
          healthPath: options.server.healthPath,
          cookieName: options.session.cookieName,
        });
        documents.set(options, document);
      }
      return document;
    },
    { auth: false },
  );
}
