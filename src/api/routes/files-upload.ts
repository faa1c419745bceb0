import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { InvalidArgumentError, PermissionError } from "../../errors.js";
import {
  checkAccept,
  detectMime,
  measureImage,
  refuseDangerous,
  refuseMismatch,
  refuseUnsafeSvg,
  uploadFilename,
  UploadRefusal,
} from "../../files/accept.js";
import { extensionOf } from "../../files/file-types.js";
import { receiveUpload, removeTemps, type ReceivedFile } from "../../files/multipart.js";
import type { MediaFile } from "../../files/types.js";
import { resolveInside } from "../../fs/safe-path.js";
import type { ApiContext } from "../context.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import { asJsonMap, defaultSelection, renderModel } from "../views/engine.js";
import { fileSchema } from "../views/file.js";
import { findFile, mediaOf, type FileModel, type FileParent } from "../views/file-model.js";
import { canFile, fileBlueprint } from "../views/file-permissions.js";
import { findParentFile, pageParent, siteParent } from "./files-lookup.js";
import { afterUserFileChange, currentParent, reloaded, removeVersions, safeName, writerFor } from "./files-write.js";

function parentDir(context: ApiContext, parent: FileParent): string {
  if (parent.kind === "page") return parent.page.dir;
  if (parent.kind === "site") return context.services.content.site.dir;
  return parent.user.dir;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A would-be file, for the permission check before it exists. */
function plannedModel(parent: FileParent, dir: string, filename: string, template: string | null): FileModel {
  const file: MediaFile = {
    filename,
    root: path.join(dir, filename),
    metaFile: path.join(dir, `${filename}.txt`),
    size: 0,
    mtimeMs: 0,
    modifiedMs: 0,
    meta: template === null ? {} : { template },
    dimensions: null,
  };
  return { file, parent };
}

/**
 * The models as an upload answer shows them, as Kirby does: the default view (`select` does not apply), the
 * template `default` when none was chosen, and the neighbours taken from the folder's other files followed by this
 * request's uploads in their order.
 */
function renderUploads(context: ApiContext, models: readonly FileModel[]): unknown[] {
  const last = models.at(-1);
  if (last === undefined) return [];
  const uploaded = models.map((model) => model.file.filename);
  const files = mediaOf(last.parent);
  const others = files.filter((file) => !uploaded.includes(file.filename));
  const news = uploaded
    .map((name) => files.find((file) => file.filename === name))
    .filter((file) => file !== undefined);
  // each answer as it was right after its own upload: the later ones of the request are not there yet
  return news.map((file, index) =>
    renderAnswer(context, { file, parent: last.parent, siblings: [...others, ...news.slice(0, index + 1)] }),
  );
}

function renderAnswer(context: ApiContext, model: FileModel): unknown {
  const rendered = renderModel(fileSchema, model, defaultSelection(fileSchema), context);
  if (rendered["template"] === null) rendered["template"] = "default";
  return asJsonMap(rendered);
}

function requireUploadSource(context: ApiContext) {
  const source = context.request.upload;
  if (source === undefined) throw new InvalidArgumentError({ message: "No file was uploaded" });
  return source;
}

interface Checked {
  readonly filename: string;
  readonly mime: string;
}

async function checkReceived(
  context: ApiContext,
  received: ReceivedFile,
  filename: string | null,
  accept: unknown,
): Promise<Checked> {
  const extension = extensionOf(received.originalName);
  const mime = await detectMime(received.tempPath, extension);
  const name = filename ?? uploadFilename(received.originalName, mime, safeName);
  refuseDangerous(name, mime, context.services.options.content.extension);
  await refuseUnsafeSvg(received.tempPath, received.size, mime);
  const dimensions = mime.startsWith("image/") ? await measureImage(received.tempPath) : null;
  checkAccept(accept, { filename: name, mime, size: received.size, dimensions });
  return { filename: name, mime };
}

async function storeOne(
  context: ApiContext,
  parent: FileParent,
  received: ReceivedFile,
  template: string | null,
  sort: string | null,
): Promise<FileModel> {
  const dir = parentDir(context, parent);
  const blueprint = fileBlueprint(context.services.blueprints, template);
  const checked = await checkReceived(context, received, null, blueprint?.raw["accept"]);
  const target = resolveInside(dir, checked.filename);
  if (!canFile(context.actor, "create", plannedModel(parent, dir, checked.filename, template), context)) {
    throw new UploadRefusal("The file cannot be created");
  }
  const writer = writerFor(context.services, parent);
  await writer.exclusive(async () => {
    const existing = findFile(await currentParent(context, parent), checked.filename);
    if (existing !== undefined) {
      const sameTemplate = (existing.file.meta["template"] ?? null) === template;
      const sameBytes =
        existing.file.filename === checked.filename &&
        (await sha256Of(existing.file.root)) === (await sha256Of(received.tempPath));
      if (!sameTemplate || !sameBytes) {
        throw new UploadRefusal(`A file with the name "${checked.filename}" already exists`);
      }
      await writer.placeUpload(received.tempPath, existing.file.root, null);
      await removeVersions(context, existing);
      return;
    }
    // last, so that Kirby's own refusals keep their order: bytes that are not what the name claims
    refuseMismatch(checked.filename, checked.mime);
    const meta = new Map<string, string>();
    for (const field of blueprint?.fields ?? []) meta.set(field.name, "");
    const uuid = context.services.writer.newUuid();
    if (uuid !== null) meta.set("uuid", uuid);
    if (template !== null) meta.set("template", template);
    if (sort !== null && /^-?\d{1,9}$/.test(sort)) meta.set("sort", sort);
    await writer.placeUpload(received.tempPath, target, Object.fromEntries(meta));
  });
  await afterUserFileChange(context, parent);
  return reloaded(context, parent, checked.filename);
}

export async function upload(context: ApiContext, parent: FileParent): Promise<ApiResult> {
  const source = requireUploadSource(context);
  const dir = parentDir(context, parent);
  const received = await receiveUpload(source, { dir, limitBytes: context.services.options.api.maxUploadSize });
  try {
    if (received.files.length === 0) throw new InvalidArgumentError({ message: "No file was uploaded" });
    const template = received.fields["template"]?.trim() || null;
    if (template !== null && (template.length > 128 || !/^[a-zA-Z0-9_-]+$/.test(template))) {
      return { status: "error", message: "Invalid template name" };
    }
    const sort = received.fields["sort"] ?? null;
    const stored: Array<[string, FileModel]> = [];
    for (const file of received.files) {
      try {
        stored.push([file.originalName, await storeOne(context, parent, file, template, sort)]);
      } catch (error) {
        if (error instanceof UploadRefusal) return { status: "error", message: error.message };
        throw error;
      }
    }
    const parentNow = await currentParent(context, parent);
    const models = await Promise.all(stored.map(([, model]) => reloaded(context, parentNow, model.file.filename)));
    const rendered = renderUploads(context, models);
    if (rendered.length === 1) return { status: "ok", data: rendered[0] };
    const data: Record<string, unknown> = {};
    models.forEach((model, index) => {
      data[model.file.filename] = rendered[index];
    });
    return { status: "ok", data };
  } finally {
    await removeTemps(received.files);
  }
}

export async function replace(context: ApiContext, parent: FileParent, param: string): Promise<ApiResult> {
  const model = findParentFile(context, parent, param);
  const source = requireUploadSource(context);
  if (!canFile(context.actor, "replace", model, context)) {
    throw new PermissionError({ message: "The file cannot be replaced" });
  }
  const dir = path.dirname(model.file.root);
  const received = await receiveUpload(source, {
    dir,
    limitBytes: context.services.options.api.maxUploadSize,
    maxFiles: 1,
  });
  try {
    const part = received.files[0];
    if (part === undefined) throw new InvalidArgumentError({ message: "No file was uploaded" });
    const blueprint = fileBlueprint(context.services.blueprints, model.file.meta["template"] ?? null);
    let checked: Checked;
    try {
      checked = await checkReceived(context, part, model.file.filename, blueprint?.raw["accept"]);
    } catch (error) {
      if (error instanceof UploadRefusal) return { status: "error", message: error.message };
      throw error;
    }
    const currentMime = await detectMime(model.file.root, extensionOf(model.file.filename));
    if (checked.mime !== currentMime) {
      throw new InvalidArgumentError({
        key: "file.mime.differs",
        message: `The new file must have the same MIME type "${currentMime}"`,
      });
    }
    const writer = writerFor(context.services, parent);
    await writer.exclusive(() => writer.placeUpload(part.tempPath, model.file.root, null));
    await removeVersions(context, model);
    await afterUserFileChange(context, parent);
    return { status: "ok", data: renderAnswer(context, await reloaded(context, parent, model.file.filename)) };
  } finally {
    await removeTemps(received.files);
  }
}

export async function remove(context: ApiContext, parent: FileParent, param: string): Promise<true> {
  const model = findParentFile(context, parent, param);
  if (!canFile(context.actor, "delete", model, context)) {
    throw new PermissionError({ message: "The file cannot be deleted" });
  }
  await writerFor(context.services, parent).delete(model.file);
  await removeVersions(context, model);
  await afterUserFileChange(context, parent);
  return true;
}

const multipart = { body: "multipart" } as const;

/** Uploads, replacements and deletions of files of pages and the site (docs/files.md#uploads). */
export const fileUploadRoutes: readonly RouteDefinition[] = [
  route("POST", "pages/(:any)/files", (context, [id = ""]) => upload(context, pageParent(context, id)), multipart),
  route(
    "POST",
    "pages/(:any)/files/(:any)",
    (context, [id = "", filename = ""]) => replace(context, pageParent(context, id), filename),
    multipart,
  ),
  route("DELETE", "pages/(:any)/files/(:any)", (context, [id = "", filename = ""]) =>
    remove(context, pageParent(context, id), filename),
  ),
  route("POST", "site/files", (context) => upload(context, siteParent(context)), multipart),
  route(
    "POST",
    "site/files/(:any)",
    (context, [filename = ""]) => replace(context, siteParent(context), filename),
    multipart,
  ),
  route("DELETE", "site/files/(:any)", (context, [filename = ""]) => remove(context, siteParent(context), filename)),
];
