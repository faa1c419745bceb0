import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import type { ApiContext } from "../context.js";
import { fileSchema } from "../views/file.js";
import type { FileParent } from "../views/file-model.js";
import { listableFiles } from "../views/file-permissions.js";
import { findParentFile, pageParent, siteParent } from "./files-lookup.js";

function listFiles(context: ApiContext, parent: FileParent): CollectionResult {
  return new CollectionResult(fileSchema, listableFiles(parent, context));
}

/** Read routes of the files of pages and the site (docs/files.md#reading). */
export const fileReadRoutes: readonly RouteDefinition[] = [
  route("GET", "pages/(:any)/files", (context, [id = ""]) => listFiles(context, pageParent(context, id))),
  route(
    "GET",
    "pages/(:any)/files/(:any)",
    (context, [id = "", filename = ""]) =>
      new ModelResult(fileSchema, findParentFile(context, pageParent(context, id), filename)),
  ),
  route("GET", "site/files", (context) => listFiles(context, siteParent(context))),
  route(
    "GET",
    "site/files/(:any)",
    (context, [filename = ""]) => new ModelResult(fileSchema, findParentFile(context, siteParent(context), filename)),
  ),
  route(
    "GET",
    "files/(:any)",
    (context, [filename = ""]) => new ModelResult(fileSchema, findParentFile(context, siteParent(context), filename)),
  ),
];
