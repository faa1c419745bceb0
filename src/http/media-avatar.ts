/**
 * The avatar thumb's media URL (docs/files.md#avatars): `/media/users/<id>/<hash>/profile-512x-crop.<ext>`, where
 * `<hash>` is the hash of the user's `profile.<ext>`. Generated on the first request for the current hash only;
 * an outdated hash redirects to the current URL, anything else is not an avatar thumb.
 */
import type { FileModel, FileParent } from "../api/views/file-model.js";
import { avatarFile, mediaToken } from "../api/views/file-model.js";
import { avatarThumbName, avatarThumbPath, ensureAvatarThumb } from "../files/avatar-thumb.js";

export type AvatarThumbOutcome =
  | { readonly kind: "file"; readonly model: FileModel }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "none" };

const HASH = /^([0-9a-f]{10})-(\d{1,12})$/;

/** What a user media URL names when its file name is the avatar thumb's; null when it is not that name. */
export async function resolveAvatarThumb(
  parent: FileParent,
  hash: string,
  filename: string,
  contentRoot: string,
  baseUrl: () => string,
): Promise<AvatarThumbOutcome | null> {
  if (parent.kind !== "user") return null;
  const avatar = avatarFile(parent.media);
  if (avatar === undefined) return null;
  const thumbName = avatarThumbName(avatar.filename);
  if (thumbName === null || thumbName !== filename) return null;
  const { user } = parent;
  const token = mediaToken(contentRoot, `${user.id}/${avatar.filename}`);
  if (HASH.exec(hash)?.[1] !== token) return { kind: "none" };
  const current = `${token}-${Math.floor(avatar.mtimeMs / 1000)}`;
  if (hash !== current) {
    return {
      kind: "redirect",
      location: `${baseUrl()}/media/users/${encodeURIComponent(user.id)}/${current}/${thumbName}`,
    };
  }
  try {
    const thumb = await ensureAvatarThumb(avatar.root, avatarThumbPath(user.dir, user.id, current, thumbName));
    const file = { ...avatar, filename: thumbName, root: thumb.root, size: thumb.size, mtimeMs: thumb.mtimeMs };
    return { kind: "file", model: { file, parent } };
  } catch {
    // an avatar that cannot be read as an image has no thumb
    return { kind: "none" };
  }
}
