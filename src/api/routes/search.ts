import type { User } from "../../accounts/types.js";
import type { Page } from "../../content/types.js";
import { isPageListable } from "../../permissions/can.js";
import {
  applyCollectionQuery,
  collectionQueryFrom,
  prepareQuery,
  type PreparedQuery,
  type QueriedCollection,
} from "../../search/index.js";
import type { ApiContext } from "../context.js";
import { CollectionResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import type { ModelSchema } from "../views/engine.js";
import { pageSchema } from "../views/page.js";
import { listableUsers, userSchema } from "../views/user.js";
import { childrenByStatus, findAccessiblePage } from "./lookup.js";

type Search<T> = (items: readonly T[], query: PreparedQuery) => T[];

/**
 * A search answer (docs/search.md): GET searches for `q`; POST applies the body as a collection query (offset, limit,
 * search, paginate); the envelope then applies `query[…]` of the query string to the result the same way.
 */
function searchCollection<T>(
  context: ApiContext,
  // biome-ignore lint/suspicious/noExplicitAny: the schema renders the items it is given, of whatever model
  schema: ModelSchema<T, any>,
  items: readonly T[],
  search: Search<T>,
): CollectionResult {
  const { request } = context;
  let result: QueriedCollection<T>;
  if (request.method === "POST") {
    result = applyCollectionQuery(items, collectionQueryFrom(request.body.values), search);
  } else {
    const prepared = prepareQuery(request.query.string("q") ?? "");
    result = { items: prepared === null ? [] : search(items, prepared) };
  }
  return new CollectionResult(schema, result.items, result.paginate ?? null);
}

function listablePages(context: ApiContext, pages: Iterable<Page>): Page[] {
  const listable: Page[] = [];
  for (const page of pages) {
    if (isPageListable(context.actor, page, context.services.permissions)) listable.push(page);
  }
  return listable;
}

function pageSearch(context: ApiContext): Search<Page> {
  return (items, query) => context.services.search.searchPages(items, query);
}

function userSearch(context: ApiContext): Search<User> {
  const { services } = context;
  return (items, query) => services.search.searchUsers(items, query, (user) => services.roleOf(user));
}

function childrenSearch(context: ApiContext, children: readonly Page[], drafts: readonly Page[]): CollectionResult {
  const status = context.request.query.string("status");
  const pool = listablePages(context, childrenByStatus(children, drafts, status));
  return searchCollection(context, pageSchema, pool, pageSearch(context));
}

const BOTH = ["GET", "POST"] as const;

/** Search routes of pages and users (docs/search.md); registered before the routes whose patterns they shadow. */
export const searchRoutes: readonly RouteDefinition[] = [
  route(BOTH, "site/search", (context) =>
    searchCollection(
      context,
      pageSchema,
      listablePages(context, context.services.content.allPages()),
      pageSearch(context),
    ),
  ),
  route(BOTH, "site/children/search", (context) => {
    const site = context.services.content.site;
    return childrenSearch(context, site.children, site.drafts);
  }),
  route(BOTH, "pages/(:any)/children/search", (context, [id = ""]) => {
    const page = findAccessiblePage(context, id);
    return childrenSearch(context, page.children, page.drafts);
  }),
  route(BOTH, "users/search", (context) =>
    searchCollection(context, userSchema, listableUsers(context), userSearch(context)),
  ),
];
