import type { Page } from "../../content/types.js";
import { InvalidArgumentError } from "../../errors.js";
import { isPageAccessible } from "../../permissions/can.js";
import type { ApiContext } from "../context.js";
import { CollectionResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { pageSchema } from "../views/page.js";

/** Most ids one request may look up, and the longest id looked at. */
const MAX_IDS = 1000;
const MAX_ID_LENGTH = 1024;
const UUID_PREFIX = "page://";

/**
 * The body of `POST site/find`: a JSON list of strings. An empty list, an object or other values are refused (Kirby
 * answers them with a 500; deviation zz).
 */
function requestedIds(context: ApiContext): string[] {
  const values = context.request.body.values;
  const keys = Object.keys(values);
  const isList = keys.length > 0 && keys.every((key, index) => key === String(index));
  if (!isList) throw new InvalidArgumentError({ message: "The body must be a non-empty list of page ids" });
  if (keys.length > MAX_IDS) throw new InvalidArgumentError({ message: `At most ${MAX_IDS} ids can be looked up` });
  return keys.map((key) => {
    const id = values[key];
    if (typeof id !== "string" || id.length > MAX_ID_LENGTH)
      throw new InvalidArgumentError({ message: "Every page id must be text" });
    return id;
  });
}

function isInDrafts(page: Page): boolean {
  for (let current: Page | null = page; current; current = current.parent) if (current.status === "draft") return true;
  return false;
}

/** A page as the site looks it up: an id with `/` (not a draft), or a `page://` UUID (drafts included). */
function findForSite(context: ApiContext, key: string): Page | undefined {
  const { content } = context.services;
  if (key.startsWith(UUID_PREFIX)) {
    const uuid = key.slice(UUID_PREFIX.length);
    if (uuid === "") return undefined;
    for (const page of content.allPages()) if (page.content["uuid"] === uuid) return page;
    return undefined;
  }
  const page = content.findPage(key);
  return page && !isInDrafts(page) ? page : undefined;
}

/**
 * `POST site/find` (docs/kirby-compat/routes-and-envelopes.md#site-find): the pages of a list of ids or UUIDs, in
 * the order asked, each once, unknown and inaccessible ones left out.
 */
export const siteFindRoutes: readonly RouteDefinition[] = [
  route("POST", "site/find", (context) => {
    const found = new Set<Page>();
    for (const key of requestedIds(context)) {
      const page = findForSite(context, key);
      if (page && isPageAccessible(context.actor, page, context.services.permissions)) found.add(page);
    }
    return new CollectionResult(pageSchema, [...found]);
  }),
];
