import type { User } from "../../accounts/types.js";
import { childFilter, childList, type ChildOwner } from "../../content/child-lists.js";
import type { Page } from "../../content/types.js";
import { NotFoundError } from "../../errors.js";
import { can, isPageAccessible, isUserAccessible } from "../../permissions/can.js";
import type { ApiContext } from "../context.js";

/** Page id from a route parameter: `+` (or a space) separates slugs; nothing is percent-decoded. */
export function pageIdFromParam(param: string): string {
  return param.replace(/[+ ]/g, "/");
}

/**
 * The page of a route parameter, if it exists and the caller may access it; otherwise 404
 * (docs/kirby-compat/permissions.md#what-a-caller-may-see).
 */
export function findAccessiblePage(context: ApiContext, param: string): Page {
  const id = pageIdFromParam(param);
  const page = context.services.content.findPage(id);
  if (!page || !isPageAccessible(context.actor, page, context.services.permissions)) {
    throw new NotFoundError({ key: "page.notFound", data: { slug: id } });
  }
  return page;
}

export function requireSiteAccess(context: ApiContext): void {
  if (!can(context.actor, "access", { kind: "site" }, context.services.permissions)) {
    throw new NotFoundError({ key: "site.notAccessible" });
  }
}

/** The user of a route parameter (id, e-mail or `user://id`), if the caller may access it; otherwise 404. */
export function findAccessibleUser(context: ApiContext, key: string): User {
  // like page ids, the key is used as the path has it: `%40` is not an `@`
  // (docs/kirby-compat/routes-and-envelopes.md#routing)
  const user = context.services.findUser(key);
  if (!user || !isUserAccessible(context.actor, user, context.services.roleOf(user), context.services.permissions)) {
    throw new NotFoundError({ key: "user.notFound", data: { name: key } });
  }
  return user;
}

/** Children of a page or the site filtered by the `status` query (lower-case values only, as Kirby); shared, never copy. */
export function childrenByStatus(owner: ChildOwner, status: string | undefined): readonly Page[] {
  return childList(owner, childFilter(status));
}
