/** `…/files/search` of pages, the site and users (docs/search.md, docs/files.md#searching-files). */
import type { ApiContext } from "../context.js";
import type { CollectionResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { fileSchema } from "../views/file.js";
import { fileId, filesOf, type FileModel, type FileParent } from "../views/file-model.js";
import { listabilityOf } from "../views/file-permissions.js";
import { pageParent, siteParent } from "./files-lookup.js";
import { searchCollection, type Search } from "./search.js";

/** The parent's files in their sorted order searched by `q` (GET) or a collection query (POST): meta fields and id. */
export function searchFiles(context: ApiContext, parent: FileParent): CollectionResult {
  const search: Search<FileModel> = (items, query) =>
    context.services.search.searchRecords(items, query, (model) => ({ fields: model.file.meta, id: fileId(model) }));
  return searchCollection(context, fileSchema, filesOf(parent), listabilityOf(context), search);
}

const BOTH = ["GET", "POST"] as const;

/** Registered before the routes whose `files/(:any)` patterns would take `search` as a file name. */
export const fileSearchRoutes: readonly RouteDefinition[] = [
  route(BOTH, "pages/(:any)/files/search", (context, [id = ""]) => searchFiles(context, pageParent(context, id))),
  route(BOTH, "site/files/search", (context) => searchFiles(context, siteParent(context))),
];
