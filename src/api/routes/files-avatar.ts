import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import type { User } from "../../accounts/types.js";
import { NotFoundError, InvalidArgumentError, PermissionError, SheafError } from "../../errors.js";
import {
  checkAccept,
  detectMime,
  measureImage,
  refuseDangerous,
  refuseMismatch,
  UploadRefusal,
} from "../../files/accept.js";
import { extensionForMime, extensionOf } from "../../files/file-types.js";
import { receiveUpload, removeTemps } from "../../files/multipart.js";
import { readUserFiles } from "../../files/user-files.js";
import { removeAvatarThumbs } from "../../files/avatar-thumb.js";
import { serializeTxt } from "../../content/txt.js";
import { syncDirectory, writeFileAtomic } from "../../fs/atomic-write.js";
import { can } from "../../permissions/can.js";
import type { ApiContext, SiteServices } from "../context.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import { asJsonMap, defaultSelection, renderModel } from "../views/engine.js";
import { fileSchema } from "../views/file.js";
import { avatarFile, mediaOf, type FileModel, type FileParent } from "../views/file-model.js";
import { findAccessibleUser } from "./lookup.js";
import { prepareAvatar } from "../views/avatar.js";

const AVATAR_NAME = /^profile\.[a-z0-9]{1,8}$/;
const AVATAR_ACCEPT = { type: ["image"] };

/** The files of a user's folder (docs/files.md#user-files), the avatar `profile.<ext>` among them. */
export async function userParent(services: SiteServices, user: User): Promise<FileParent> {
  return { kind: "user", user, media: await readUserFiles(user.dir, services.options.content.extension) };
}

async function avatarOf(context: ApiContext, user: User): Promise<FileModel | null> {
  const parent = await userParent(context.services, user);
  const file = avatarFile(mediaOf(parent));
  return file === undefined ? null : { file, parent };
}

function accountUser(context: ApiContext): User {
  if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
  return context.identity.user;
}

/** The user as re-read after a change of their avatar (the account index holds the avatar's name and time). */
async function refreshedUser(context: ApiContext, user: User): Promise<User> {
  await context.services.accountWriter.refresh(user.id);
  return context.services.findUser(user.id) ?? user;
}

function requireUpdate(context: ApiContext, user: User): void {
  const target = { kind: "user", user, role: context.services.roleOf(user) } as const;
  if (!can(context.actor, "update", target, context.services.permissions)) {
    throw new PermissionError({ message: `You are not allowed to update the user "${user.email}"` });
  }
}

function render(context: ApiContext, model: FileModel): unknown {
  return asJsonMap(renderModel(fileSchema, model, defaultSelection(fileSchema), context));
}

async function readAvatar(context: ApiContext, user: User): Promise<ApiResult> {
  const model = await avatarOf(context, user);
  return model === null ? null : { code: 200, data: render(context, model), status: "ok", type: "model" };
}

async function uploadAvatar(context: ApiContext, findUser: () => User): Promise<ApiResult> {
  let user: User;
  try {
    user = findUser();
    requireUpdate(context, user);
  } catch (error) {
    if (error instanceof SheafError) return { status: "error", message: error.message };
    throw error;
  }
  const source = context.request.upload;
  if (source === undefined) throw new InvalidArgumentError({ message: "No file was uploaded" });
  const received = await receiveUpload(source, {
    dir: user.dir,
    limitBytes: context.services.options.api.maxUploadSize,
    maxFiles: 1,
  });
  try {
    const part = received.files[0];
    if (part === undefined) throw new InvalidArgumentError({ message: "No file was uploaded" });
    let filename: string;
    try {
      const mime = await detectMime(part.tempPath, extensionOf(part.originalName));
      const extension = extensionOf(part.originalName) || extensionForMime(mime);
      filename = `profile.${extension === "jpeg" ? "jpg" : extension}`;
      refuseDangerous(filename, mime, context.services.options.content.extension);
      const dimensions = mime.startsWith("image/") ? await measureImage(part.tempPath) : null;
      checkAccept(AVATAR_ACCEPT, { filename, mime, size: part.size, dimensions });
      refuseMismatch(filename, mime);
      if (!AVATAR_NAME.test(filename)) throw new UploadRefusal(`Invalid extension: ${extension}`);
    } catch (error) {
      if (error instanceof UploadRefusal) return { status: "error", message: error.message };
      throw error;
    }
    await context.services.writer.exclusive(async () => {
      const previous = await avatarOf(context, user);
      const meta: Record<string, string> = {};
      const uuid = context.services.writer.newUuid();
      if (uuid !== null) meta["uuid"] = uuid;
      meta["template"] = "avatar";
      const target = path.join(user.dir, filename);
      await writeFileAtomic(`${target}.${context.services.options.content.extension}`, serializeTxt(meta));
      await rename(part.tempPath, target);
      if (previous !== null && previous.file.filename !== filename) {
        await rm(previous.file.root, { force: true });
        await rm(previous.file.metaFile, { force: true });
      }
      await syncDirectory(user.dir);
      await removeAvatarThumbs(user.dir, user.id);
    });
    const current = await refreshedUser(context, user);
    await prepareAvatar(current, context.services.content.site.dir);
    const model = await avatarOf(context, current);
    if (model === null) throw new NotFoundError({ key: "file.notFound", data: { filename: "avatar" } });
    return { status: "ok", data: render(context, model) };
  } finally {
    await removeTemps(received.files);
  }
}

async function deleteAvatar(context: ApiContext, user: User): Promise<true> {
  requireUpdate(context, user);
  const model = await avatarOf(context, user);
  if (model === null) throw new NotFoundError({ key: "file.notFound", data: { filename: "avatar" } });
  await context.services.writer.exclusive(async () => {
    // the meta file goes last: a crash in between leaves a meta file without its file, which is not a file
    const trash = path.join(user.dir, `.avatar-${randomBytes(6).toString("hex")}`);
    await rename(model.file.root, trash);
    await rm(model.file.metaFile, { force: true });
    await rm(trash, { force: true });
    await syncDirectory(user.dir);
    await removeAvatarThumbs(user.dir, user.id);
  });
  await refreshedUser(context, user);
  return true;
}

const multipart = { body: "multipart" } as const;

/** A user's avatar (`site/accounts/<id>/profile.<ext>`): read, upload (replacing any other format), delete. */
export const avatarRoutes: readonly RouteDefinition[] = [
  route("GET", "users/(:any)/avatar", (context, [key = ""]) => readAvatar(context, findAccessibleUser(context, key))),
  route(
    "POST",
    "users/(:any)/avatar",
    (context, [key = ""]) => uploadAvatar(context, () => findAccessibleUser(context, key)),
    multipart,
  ),
  route("DELETE", "users/(:any)/avatar", (context, [key = ""]) =>
    deleteAvatar(context, findAccessibleUser(context, key)),
  ),
  route("GET", "account/avatar", (context) => readAvatar(context, accountUser(context))),
  route("POST", "account/avatar", (context) => uploadAvatar(context, () => accountUser(context)), multipart),
  route("DELETE", "account/avatar", (context) => deleteAvatar(context, accountUser(context))),
];
