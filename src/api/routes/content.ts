import { listablePages } from "../../permissions/can.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { pageSchema } from "../views/page.js";
import { siteSchema } from "../views/site.js";
import { childrenByStatus, findAccessiblePage, requireSiteAccess } from "./lookup.js";
import type { ApiContext } from "../context.js";
import type { Page } from "../../content/types.js";
import { withUuid } from "./page-uuid.js";

function listable(context: ApiContext, pages: readonly Page[]): readonly Page[] {
  return listablePages(context.actor, pages, context.services.permissions);
}

/** Read routes of the site and its pages (docs/kirby-compat/routes-and-envelopes.md#routes). */
export const contentRoutes: readonly RouteDefinition[] = [
  route(
    "GET",
    "pages/(:any)",
    async (context, [id = ""]) => new ModelResult(pageSchema, await withUuid(context, findAccessiblePage(context, id))),
  ),
  route("GET", "pages/(:any)/children", (context, [id = ""]) => {
    const page = findAccessiblePage(context, id);
    const status = context.request.query.string("status");
    return new CollectionResult(pageSchema, listable(context, childrenByStatus(page, status)));
  }),
  route("GET", "site", (context) => {
    requireSiteAccess(context);
    return new ModelResult(siteSchema, context.services.content.site);
  }),
  route("GET", "site/children", (context) => {
    const site = context.services.content.site;
    const status = context.request.query.string("status");
    return new CollectionResult(pageSchema, listable(context, childrenByStatus(site, status)));
  }),
];
