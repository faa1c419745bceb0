/** Finding a file below its parent from route parameters (docs/files.md#reading). */
import { NotFoundError } from "../../errors.js";
import type { ApiContext } from "../context.js";
import { findFile, mediaOf, type FileModel, type FileParent } from "../views/file-model.js";
import { isFileAccessible } from "../views/file-permissions.js";
import { findAccessiblePage, requireSiteAccess } from "./lookup.js";

/** Longest file name parameter looked at (decoded names are shorter still). */
const MAX_NAME_LENGTH = 1024;

export function pageParent(context: ApiContext, param: string): FileParent {
  return { kind: "page", page: findAccessiblePage(context, param) };
}

export function siteParent(context: ApiContext): FileParent {
  requireSiteAccess(context);
  return { kind: "site", site: context.services.content.site };
}

/** The name of a route parameter: percent-decoded; undecodable text stays as it is. */
export function decodeFilename(param: string): string {
  if (param.length > MAX_NAME_LENGTH) return param.slice(0, MAX_NAME_LENGTH);
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}

function notFound(filename: string): NotFoundError {
  return new NotFoundError({ key: "file.notFound", data: { filename } });
}

/**
 * The file of a parent named by a route parameter: the decoded name case-insensitively, or `file://<uuid>`. A name
 * that holds a path never leaves the parent (no `..`, no other page's file). Not accessible ⇒ 404.
 */
export function findParentFile(context: ApiContext, parent: FileParent, param: string): FileModel {
  const filename = decodeFilename(param);
  let model: FileModel | undefined;
  if (filename.toLowerCase().startsWith("file://")) {
    const uuid = filename.slice("file://".length).toLowerCase();
    const file = mediaOf(parent).find((candidate) => candidate.meta["uuid"]?.toLowerCase() === uuid);
    model = file === undefined ? undefined : { file, parent };
  } else if (!filename.includes("/") && !filename.includes("\\") && !filename.includes("\0")) {
    model = findFile(parent, filename);
  }
  if (model === undefined || !isFileAccessible(model, context)) throw notFound(filename);
  return model;
}
