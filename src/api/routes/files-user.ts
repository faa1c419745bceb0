/** The files of a user: `users/<id>/files…` and `account/files…`, as for pages and the site (docs/files.md#user-files). */
import type { User } from "../../accounts/types.js";
import { NotFoundError } from "../../errors.js";
import type { ApiContext } from "../context.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { fileSchema } from "../views/file.js";
import type { FileParent } from "../views/file-model.js";
import { listableFiles } from "../views/file-permissions.js";
import { userParent } from "./files-avatar.js";
import { findParentFile } from "./files-lookup.js";
import { searchFiles } from "./files-search.js";
import { remove, replace, upload } from "./files-upload.js";
import { renameFile, sortFiles, updateFile } from "./files-write.js";
import { findAccessibleUser } from "./lookup.js";

type FindUser = (context: ApiContext, key: string) => User;

const byKey: FindUser = (context, key) => findAccessibleUser(context, key);
const ownAccount: FindUser = (context) => {
  if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
  return context.identity.user;
};

function parentOf(context: ApiContext, find: FindUser, key: string): Promise<FileParent> {
  return userParent(context.services, find(context, key));
}

const multipart = { body: "multipart" } as const;
const BOTH = ["GET", "POST"] as const;

/** The routes below one prefix: `users/(:any)` (the first parameter is the user) or `account`. */
function routesBelow(prefix: string, find: FindUser): RouteDefinition[] {
  const withUser = prefix.includes("(:any)");
  const split = (params: readonly string[]): [string, readonly string[]] =>
    withUser ? [params[0] ?? "", params.slice(1)] : ["", params];
  return [
    route(BOTH, `${prefix}/files/search`, async (context, params) => {
      const [key] = split(params);
      return searchFiles(context, await parentOf(context, find, key));
    }),
    route("GET", `${prefix}/files`, async (context, params) => {
      const [key] = split(params);
      const parent = await parentOf(context, find, key);
      return new CollectionResult(fileSchema, listableFiles(parent, context));
    }),
    route(
      "POST",
      `${prefix}/files`,
      async (context, params) => {
        const [key] = split(params);
        return upload(context, await parentOf(context, find, key));
      },
      multipart,
    ),
    route("PATCH", `${prefix}/files/sort`, async (context, params) => {
      const [key] = split(params);
      return sortFiles(context, await parentOf(context, find, key));
    }),
    route("PATCH", `${prefix}/files/(:any)/name`, async (context, params) => {
      const [key, [filename = ""]] = split(params);
      return renameFile(context, await parentOf(context, find, key), filename);
    }),
    route("GET", `${prefix}/files/(:any)`, async (context, params) => {
      const [key, [filename = ""]] = split(params);
      return new ModelResult(fileSchema, findParentFile(context, await parentOf(context, find, key), filename));
    }),
    route("PATCH", `${prefix}/files/(:any)`, async (context, params) => {
      const [key, [filename = ""]] = split(params);
      return updateFile(context, await parentOf(context, find, key), filename);
    }),
    route(
      "POST",
      `${prefix}/files/(:any)`,
      async (context, params) => {
        const [key, [filename = ""]] = split(params);
        return replace(context, await parentOf(context, find, key), filename);
      },
      multipart,
    ),
    route("DELETE", `${prefix}/files/(:any)`, async (context, params) => {
      const [key, [filename = ""]] = split(params);
      return remove(context, await parentOf(context, find, key), filename);
    }),
  ];
}

/** `users/<id>/files…` and `account/files…` (registered after the avatar routes, as Kirby does). */
export const userFileRoutes: readonly RouteDefinition[] = [
  ...routesBelow("users/(:any)", byKey),
  ...routesBelow("account", ownAccount),
];
