/**
 * Route paths and query strings. The server matches page ids without percent-decoding them; slugs are plain
 * ASCII (`a-z0-9-_`), which encoding leaves as it is, and `+` separates them.
 */

import type { ChildrenQuery, CollectionQuery, ModelQuery } from "./wire-types.js";

/** `blog/hello` (or `blog+hello`) ⇒ `blog+hello`. */
export function pagePath(id: string): string {
  const slugs = id.split(/[/+]/).filter((slug) => slug !== "");
  if (slugs.length === 0) throw new TypeError(`Invalid page id: "${id}"`);
  return `pages/${slugs.map(encodeURIComponent).join("+")}`;
}

/** Pages under a parent page, or under the site when the parent is null. */
export function childrenPath(parentId: string | null): string {
  return parentId === null ? "site/children" : `${pagePath(parentId)}/children`;
}

/**
 * A user by id or e-mail address. The server matches the path without decoding it, so the characters its route
 * accepts (`@`, `+`, `=` among them) are sent as they are.
 */
export function userPath(idOrEmail: string): string {
  if (idOrEmail === "") throw new TypeError("Invalid user id: empty");
  return `users/${encodeURIComponent(idOrEmail).replace(/%(40|2B|3D)/g, (encoded) => decodeURIComponent(encoded))}`;
}

/** Whose file: a page (by id), the site, the logged-in user, or a user (by id or e-mail). */
export type FileOwner = { readonly page: string } | "site" | "account" | { readonly user: string };

/** `pages/<id>`, `site`, `account` or `users/<id>`. */
export function ownerPath(owner: FileOwner): string {
  if (owner === "site" || owner === "account") return owner;
  return "page" in owner ? pagePath(owner.page) : userPath(owner.user);
}

/** `<owner>/files/<filename>`. */
export function filePath(owner: FileOwner, filename: string): string {
  if (filename === "") throw new TypeError("Invalid file name: empty");
  return `${ownerPath(owner)}/files/${encodeURIComponent(filename)}`;
}

export function rolePath(name: string): string {
  if (name === "") throw new TypeError("Invalid role name: empty");
  return `roles/${encodeURIComponent(name)}`;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

/** `?a=1&select=x,y` from a map; undefined values and empty lists are left out. */
export function queryString(params: QueryParams | undefined): string {
  if (!params) return "";
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === "object") {
      if (value.length) search.set(name, value.join(","));
      continue;
    }
    search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export function modelParams(query: ModelQuery | undefined): QueryParams {
  return { select: query?.select, view: query?.view, language: query?.language };
}

export function collectionParams(query: CollectionQuery | undefined): QueryParams {
  return { ...modelParams(query), page: query?.page, limit: query?.limit };
}

export function childrenParams(query: ChildrenQuery | undefined): QueryParams {
  return { ...collectionParams(query), status: query?.status };
}
