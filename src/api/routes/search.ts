import type { User } from "../../accounts/types.js";
import type { ChildOwner } from "../../content/child-lists.js";
import type { Page } from "../../content/types.js";
import { isPageListable } from "../../permissions/can.js";
import {
  applyCollectionQuery,
  collectionQueryFrom,
  prepareQuery,
  type PreparedQuery,
  type QueriedCollection,
} from "../../search/index.js";
import { actorKey } from "../cache-keys.js";
import type { ApiContext } from "../context.js";
import { CollectionResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import type { ModelSchema } from "../views/engine.js";
import { pageSchema } from "../views/page.js";
import { listableUsers, userSchema } from "../views/user.js";
import { userContentIn } from "../views/user-content.js";
import { childrenByStatus, findAccessiblePage } from "./lookup.js";

export type Search<T> = (items: readonly T[], query: PreparedQuery) => readonly T[];

/** The visible part of a frozen search result, by result and actor (results of large lists are shared). */
const visibleHits = new WeakMap<readonly unknown[], Map<string, readonly unknown[]>>();
/** Actors remembered per result; more are rare (roles × token scopes), and the map then starts over. */
const MAX_ACTORS_PER_RESULT = 32;

/** `found` filtered by `visible`, remembered for the next request of an actor alike when `found` is shared. */
function visibleOf<T>(context: ApiContext, found: readonly T[], visible: (item: T) => boolean): readonly T[] {
  const who = Object.isFrozen(found) ? actorKey(context.actor) : null;
  if (who === null) return found.filter(visible);
  let byActor = visibleHits.get(found);
  if (byActor === undefined) {
    byActor = new Map();
    visibleHits.set(found, byActor);
  }
  let hits = byActor.get(who) as readonly T[] | undefined;
  if (hits === undefined) {
    if (byActor.size >= MAX_ACTORS_PER_RESULT) byActor.clear();
    hits = Object.freeze(found.filter(visible));
    byActor.set(who, hits);
  }
  return hits;
}

/**
 * A search answer (docs/search.md): GET searches for `q`; POST applies the body as a collection query (offset, limit,
 * search, paginate); the envelope then applies `query[…]` of the query string to the result the same way. The search
 * runs on the whole pool and only its hits are checked for visibility (filtering commutes with a search); only an
 * `offset` or `limit`, which count visible items, needs the visible items first.
 */
export function searchCollection<T>(
  context: ApiContext,
  // biome-ignore lint/suspicious/noExplicitAny: the schema renders the items it is given, of whatever model
  schema: ModelSchema<T, any>,
  pool: readonly T[],
  visible: (item: T) => boolean,
  search: Search<T>,
): CollectionResult {
  const { request } = context;
  if (request.method !== "POST") {
    const prepared = prepareQuery(request.query.string("q") ?? "");
    return new CollectionResult(schema, prepared === null ? [] : visibleOf(context, search(pool, prepared), visible));
  }
  const query = collectionQueryFrom(request.body.values);
  const slices = query.offset !== undefined || query.limit !== undefined;
  const result: QueriedCollection<T> = applyCollectionQuery(slices ? pool.filter(visible) : pool, query, search);
  return new CollectionResult(
    schema,
    slices ? result.items : visibleOf(context, result.items, visible),
    result.paginate ?? null,
  );
}

/** Every page and draft of the site, as the content index's own (immutable) list when it is one. */
function allPages(context: ApiContext): readonly Page[] {
  const pages = context.services.content.allPages();
  return Array.isArray(pages) ? (pages as readonly Page[]) : [...pages];
}

function pageVisibility(context: ApiContext): (page: Page) => boolean {
  return (page) => isPageListable(context.actor, page, context.services.permissions);
}

function pageSearch(context: ApiContext): Search<Page> {
  return (items, query) => context.services.search.searchPages(items, query);
}

function userSearch(context: ApiContext): Search<User> {
  const { services } = context;
  return (items, query) =>
    services.search.searchUsers(
      items,
      query,
      (user) => services.roleOf(user),
      (user) => userContentIn(user, context.language),
    );
}

function childrenSearch(context: ApiContext, owner: ChildOwner): CollectionResult {
  const status = context.request.query.string("status");
  const pool = childrenByStatus(owner, status);
  return searchCollection(context, pageSchema, pool, pageVisibility(context), pageSearch(context));
}

const BOTH = ["GET", "POST"] as const;

/** Search routes of pages and users (docs/search.md); registered before the routes whose patterns they shadow. */
export const searchRoutes: readonly RouteDefinition[] = [
  route(BOTH, "site/search", (context) =>
    searchCollection(context, pageSchema, allPages(context), pageVisibility(context), pageSearch(context)),
  ),
  route(BOTH, "site/children/search", (context) => {
    const site = context.services.content.site;
    return childrenSearch(context, site);
  }),
  route(BOTH, "pages/(:any)/children/search", (context, [id = ""]) => {
    const page = findAccessiblePage(context, id);
    return childrenSearch(context, page);
  }),
  route(BOTH, "users/search", (context) =>
    searchCollection(context, userSchema, listableUsers(context), () => true, userSearch(context)),
  ),
];
