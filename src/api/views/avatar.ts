/** The user model's `avatar`: the 512×512 crop version of `profile.<ext>` (docs/files.md#avatars). */
import type { User } from "../../accounts/types.js";
import path from "node:path";
import {
  avatarThumbName,
  avatarThumbPath,
  ensureAvatarThumb,
  knownAvatarThumb,
  type AvatarThumb,
} from "../../files/avatar-thumb.js";
import { extensionOf, fileTypeOf, mimeOf, nameOf, niceSize } from "../../files/file-types.js";
import type { ViewContext } from "../context.js";
import { NestedModel, type ModelSchema } from "./engine.js";
import { isoDate, mediaToken } from "./file-model.js";

export interface AvatarVersion {
  readonly user: User;
  readonly filename: string;
  readonly hash: string;
  /** The generated file, when it is there. */
  readonly thumb: AvatarThumb | undefined;
}

/**
 * The avatar version of a user, or null without an avatar (or one in a format without thumbs). The source is the
 * account index's record of `profile.<ext>` (`user.avatar`): rendering a user reads nothing from the disk.
 */
export function avatarVersion(user: User, contentRoot: string): AvatarVersion | null {
  const source = user.avatar;
  if (source === undefined) return null;
  const filename = avatarThumbName(source.filename);
  if (filename === null) return null;
  const hash = `${mediaToken(contentRoot, `${user.id}/${source.filename}`)}-${Math.floor(source.mtimeMs / 1000)}`;
  const target = avatarThumbPath(user.dir, user.id, hash, filename);
  const thumb = knownAvatarThumb(target);
  if (thumb === undefined) {
    // generated in sharp's threads; this answer shows what is known, the next one the generated values
    void ensureAvatarThumb(path.join(user.dir, source.filename), target).catch(() => undefined);
  }
  return { user, filename, hash, thumb };
}

/** Generates the avatar version of a user if it is missing (before an answer that shows it). */
export async function prepareAvatar(user: User, contentRoot: string): Promise<void> {
  const source = user.avatar;
  const version = avatarVersion(user, contentRoot);
  if (source === undefined || version === null || version.thumb !== undefined) return;
  const target = avatarThumbPath(user.dir, user.id, version.hash, version.filename);
  await ensureAvatarThumb(path.join(user.dir, source.filename), target).catch(() => undefined);
}

export const avatarSchema: ModelSchema<AvatarVersion, ViewContext> = {
  name: "avatar",
  fields: {
    dimensions: ({ thumb }) => {
      if (thumb === undefined) return null;
      const { width, height } = thumb.dimensions;
      const orientation = width === height ? "square" : width > height ? "landscape" : "portrait";
      return { width, height, ratio: width / height, orientation };
    },
    exists: ({ thumb }) => thumb !== undefined,
    extension: (avatar) => extensionOf(avatar.filename),
    filename: (avatar) => avatar.filename,
    id: (avatar) => `${avatar.user.id}/${avatar.filename}`,
    mime: (avatar) => mimeOf(extensionOf(avatar.filename)),
    modified: ({ thumb }) => (thumb === undefined ? null : isoDate(thumb.mtimeMs)),
    name: (avatar) => nameOf(avatar.filename),
    niceSize: ({ thumb }) => (thumb === undefined ? null : niceSize(thumb.size)),
    size: ({ thumb }) => (thumb === undefined ? null : thumb.size),
    type: (avatar) => fileTypeOf(extensionOf(avatar.filename)),
    url: (avatar, context) => `${context.baseUrl}/media/users/${avatar.user.id}/${avatar.hash}/${avatar.filename}`,
  },
  views: {
    default: [
      "dimensions",
      "exists",
      "extension",
      "filename",
      "id",
      "mime",
      "modified",
      "name",
      "niceSize",
      "size",
      "type",
      "url",
    ],
    compact: ["filename", "id", "type", "url"],
  },
  defaultView: "default",
  collectionView: "compact",
};

export function avatarField(user: User, context: ViewContext): NestedModel<AvatarVersion, ViewContext> | null {
  const version = avatarVersion(user, context.services.content.site.dir);
  return version === null ? null : new NestedModel(avatarSchema, version);
}
