import { InvalidArgumentError, DuplicateError, NotFoundError, PermissionError } from "../../errors.js";
import { slugify } from "../../content/slug.js";
import { storedValue, submittedFields } from "../../content/stored-values.js";
import type { ContentFields } from "../../content/types.js";
import { FileWriter } from "../../files/file-writer.js";
import { extensionOf } from "../../files/file-types.js";
import type { ApiContext, SiteServices } from "../context.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { fileSchema } from "../views/file.js";
import {
  fileId,
  filesOf,
  fileTemplate,
  findFile,
  mediaFolder,
  mediaOf,
  mediaToken,
  type FileModel,
  type FileParent,
} from "../views/file-model.js";
import { canFile, fileBlueprint, isFileListable } from "../views/file-permissions.js";
import path from "node:path";
import { removeAvatarThumbs } from "../../files/avatar-thumb.js";
import { mediaRootOf, removeThumbs } from "../../files/thumbs.js";
import { userParent } from "./files-avatar.js";
import { findParentFile, pageParent, siteParent } from "./files-lookup.js";

/** Longest new file name accepted (before the extension). */
const MAX_NAME_LENGTH = 255;
/** Most file ids one sort request may name. */
const MAX_SORT_FILES = 10_000;

const writers = new WeakMap<SiteServices, FileWriter>();

export function fileWriterOf(services: SiteServices): FileWriter {
  let writer = writers.get(services);
  if (writer === undefined) {
    writer = new FileWriter({
      index: services.content,
      root: services.content.site.dir,
      extension: services.options.content.extension,
      defaultLanguage: () => services.languages?.defaultCode() ?? null,
      exclusive: (task) => services.writer.exclusive(task),
      refresh: (dir) => services.writer.refreshFolder(dir),
    });
    writers.set(services, writer);
  }
  return writer;
}

const userWriters = new WeakMap<SiteServices, FileWriter>();

/** The writer of a parent's files: the content writer's for pages and the site, one for account folders. */
export function writerFor(services: SiteServices, parent: FileParent): FileWriter {
  if (parent.kind !== "user") return fileWriterOf(services);
  let writer = userWriters.get(services);
  if (writer === undefined) {
    writer = new FileWriter({
      // user files are read from the account folder on every request: nothing to refresh
      index: { refresh: () => Promise.resolve() },
      root: path.dirname(parent.user.dir),
      extension: services.options.content.extension,
      exclusive: (task) => services.writer.exclusive(task),
    });
    userWriters.set(services, writer);
  }
  return writer;
}

/** The parent as it is now (after a write replaced the content snapshot or changed an account folder). */
export async function currentParent(context: ApiContext, parent: FileParent): Promise<FileParent> {
  if (parent.kind === "page") {
    const page = context.services.content.findPage(parent.page.id);
    if (page === undefined) throw new NotFoundError({ key: "page.notFound", data: { slug: parent.page.id } });
    return { kind: "page", page };
  }
  if (parent.kind === "site") return { kind: "site", site: context.services.content.site };
  // the account as re-read after the write (its avatar)
  return userParent(context.services, context.services.findUser(parent.user.id) ?? parent.user);
}

export async function reloaded(context: ApiContext, parent: FileParent, filename: string): Promise<FileModel> {
  const model = findFile(await currentParent(context, parent), filename);
  if (model === undefined) throw new NotFoundError({ key: "file.notFound", data: { filename } });
  return model;
}

function requireFile(context: ApiContext, action: string, model: FileModel, message: string): void {
  if (!canFile(context.actor, action, model, context)) throw new PermissionError({ message });
}

/** Submitted fields merged into the meta fields: blueprint fields first, then the others in stored order. */
function mergeMeta(context: ApiContext, model: FileModel, current: ContentFields): ContentFields {
  const blueprint = fileBlueprint(context.services.blueprints, fileTemplate(model));
  const fields = new Map((blueprint?.fields ?? []).map((field) => [field.name, field]));
  const merged = new Map(Object.entries(current));
  for (const [key, value] of submittedFields(context.request.body.values)) {
    if (value === null || value === undefined) continue;
    if (key === "uuid") throw new InvalidArgumentError({ message: "The UUID of a model cannot be changed" });
    merged.set(key, storedValue(fields.get(key), value));
  }
  const ordered = new Map<string, string>();
  for (const name of fields.keys()) {
    const value = merged.get(name);
    if (value !== undefined) ordered.set(name, value);
  }
  for (const [key, value] of merged) if (!ordered.has(key)) ordered.set(key, value);
  return Object.fromEntries(ordered);
}

/**
 * The fields a write in the request's language starts from: in a non-default language, the merged fields (the
 * default language's overwritten by the stored translation) without the `Uuid`, which only the default one holds.
 */
function inLanguage(context: ApiContext, model: FileModel, stored: ContentFields): ContentFields {
  if (context.language === undefined || context.language.isDefault) return stored;
  const { uuid: _uuid, ...fields } = { ...model.file.meta, ...stored };
  return fields;
}

export async function updateFile(context: ApiContext, parent: FileParent, param: string): Promise<ModelResult> {
  const model = findParentFile(context, parent, param);
  requireFile(context, "update", model, "The file cannot be updated");
  if (Object.keys(context.request.body.values).length > 0) {
    // check the input before taking the lock, so refused input changes nothing
    mergeMeta(context, model, model.file.meta);
    await writerFor(context.services, parent).updateMeta(model.file, (current) =>
      mergeMeta(context, model, inLanguage(context, model, current)),
    );
  }
  return new ModelResult(fileSchema, await reloaded(context, parent, model.file.filename));
}

/** Removes the generated thumbs of a file (its media URLs change when it is replaced, renamed or deleted). */
export async function removeVersions(context: ApiContext, model: FileModel): Promise<void> {
  const contentRoot = context.services.content.site.dir;
  await removeThumbs(mediaRootOf(contentRoot), mediaFolder(model.parent), mediaToken(contentRoot, fileId(model)));
}

/**
 * After a file of a user changed: the generated versions (the avatar's) are dropped and the account is re-read, so
 * that the answer and the next request see the user's avatar as it now is.
 */
export async function afterUserFileChange(context: ApiContext, parent: FileParent): Promise<void> {
  if (parent.kind !== "user") return;
  await removeAvatarThumbs(parent.user.dir, parent.user.id);
  await context.services.accountWriter.refresh(parent.user.id);
}

/** The name Kirby makes of a requested one: slug rules that keep dots, `@` and `_`. */
export function safeName(name: string): string {
  return slugify(name, { allowed: "a-z0-9@._-", maxLength: MAX_NAME_LENGTH });
}

export async function renameFile(context: ApiContext, parent: FileParent, param: string): Promise<ModelResult> {
  const model = findParentFile(context, parent, param);
  const requested = context.request.body.string("name") ?? "";
  requireFile(context, "changeName", model, "The name for this file cannot be changed");
  if (requested.length > 4 * MAX_NAME_LENGTH) {
    throw new InvalidArgumentError({ message: `The name must not be longer than ${MAX_NAME_LENGTH} characters` });
  }
  const name = safeName(requested);
  if (name === "") {
    throw new InvalidArgumentError({ key: "file.changeName.empty", message: "The name must not be empty" });
  }
  if (name.startsWith(".")) throw new InvalidArgumentError({ message: "The name must not start with a dot" });
  const extension = extensionOf(model.file.filename);
  const filename = extension === "" ? name : `${name}.${extension}`;
  if (filename === model.file.filename) return new ModelResult(fileSchema, model);
  const taken = mediaOf(parent).some((file) => file.filename.toLowerCase() === filename.toLowerCase());
  const contentName = extension === context.services.options.content.extension.toLowerCase();
  if ((taken && filename.toLowerCase() !== model.file.filename.toLowerCase()) || contentName) {
    throw new DuplicateError({
      key: "file.duplicate",
      message: `A file with the name "${filename}" already exists`,
    });
  }
  await writerFor(context.services, parent).rename(model.file, filename);
  await removeVersions(context, model);
  await afterUserFileChange(context, parent);
  const renamed = await reloaded(context, parent, filename);
  // as Kirby answers: the renamed file comes after its former siblings
  const siblings = [...mediaOf(renamed.parent).filter((file) => file !== renamed.file), renamed.file];
  return new ModelResult(fileSchema, { ...renamed, siblings });
}

export async function sortFiles(context: ApiContext, parent: FileParent): Promise<CollectionResult> {
  // the answer lists the files in folder order, as they were before the change
  const before = mediaOf(parent)
    .map((file) => ({ file, parent }))
    .filter((model) => isFileListable(model, context));
  const rawIndex = context.request.body.get("index");
  const index = typeof rawIndex === "number" ? rawIndex : typeof rawIndex === "string" ? Number(rawIndex) : Number.NaN;
  if (!Number.isInteger(index) || (typeof rawIndex === "string" && rawIndex.trim() === "")) {
    throw new InvalidArgumentError({ message: "The sort index must be a whole number" });
  }
  const listed = context.request.body.get("files");
  const ids = Array.isArray(listed) ? listed.slice(0, MAX_SORT_FILES) : [];
  const byId = new Map(filesOf(parent).map((model) => [fileId(model), model]));
  const updates: Array<{ file: FileModel["file"]; sort: number }> = [];
  ids.forEach((id, position) => {
    const model = typeof id === "string" ? byId.get(id) : undefined;
    if (model === undefined) return;
    requireFile(context, "sort", model, "The file cannot be sorted");
    updates.push({ file: model.file, sort: index + position + 1 });
  });
  if (updates.length > 0) await writerFor(context.services, parent).writeSort(updates);
  return new CollectionResult(fileSchema, before);
}

/** Changes to files of pages and the site: meta, name and order (docs/files.md#changing-files). */
export const fileWriteRoutes: readonly RouteDefinition[] = [
  route("PATCH", "pages/(:any)/files/sort", (context, [id = ""]) => sortFiles(context, pageParent(context, id))),
  route("PATCH", "pages/(:any)/files/(:any)/name", (context, [id = "", filename = ""]) =>
    renameFile(context, pageParent(context, id), filename),
  ),
  route("PATCH", "pages/(:any)/files/(:any)", (context, [id = "", filename = ""]) =>
    updateFile(context, pageParent(context, id), filename),
  ),
  route("PATCH", "site/files/sort", (context) => sortFiles(context, siteParent(context))),
  route("PATCH", "site/files/(:any)/name", (context, [filename = ""]) =>
    renameFile(context, siteParent(context), filename),
  ),
  route("PATCH", "site/files/(:any)", (context, [filename = ""]) => updateFile(context, siteParent(context), filename)),
];
