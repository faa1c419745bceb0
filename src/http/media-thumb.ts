/**
 * Thumb media URLs (docs/files.md#thumbnails): `/media/<parent>/<hash>/<name>-<w>x[<h>][-crop].<ext>`, where `<hash>`
 * is the original image's hash. Generated on the first request for the current hash only; an outdated hash redirects
 * to the current URL; a wrong one, a size no URL names or a file that is not an image is not a thumb.
 */
import { fileId, mediaFolder, mediaOf, mediaToken, type FileModel, type FileParent } from "../api/views/file-model.js";
import { ensureThumb, mediaRootOf, parseThumbName, thumbPath } from "../files/thumbs.js";

export type ThumbOutcome =
  | { readonly kind: "file"; readonly model: FileModel }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "none" };

const HASH = /^([0-9a-f]{10})-(\d{1,12})$/;

export async function resolveThumb(
  parent: FileParent,
  hash: string,
  thumbName: string,
  contentRoot: string,
  baseUrl: () => string,
): Promise<ThumbOutcome> {
  const parsed = parseThumbName(mediaOf(parent), thumbName);
  if (parsed === null) return { kind: "none" };
  const { original, spec } = parsed;
  const folder = mediaFolder(parent);
  const token = mediaToken(contentRoot, fileId({ file: original, parent }));
  if (HASH.exec(hash)?.[1] !== token) return { kind: "none" };
  const current = `${token}-${Math.floor(original.mtimeMs / 1000)}`;
  if (hash !== current) {
    const encodedFolder = folder.split("/").map(encodeURIComponent).join("/");
    return { kind: "redirect", location: `${baseUrl()}/media/${encodedFolder}/${current}/${thumbName}` };
  }
  try {
    const thumb = await ensureThumb(
      original.root,
      thumbPath(mediaRootOf(contentRoot), folder, current, thumbName),
      spec,
    );
    const file = { ...original, filename: thumbName, root: thumb.root, size: thumb.size, mtimeMs: thumb.mtimeMs };
    return { kind: "file", model: { file, parent } };
  } catch {
    // an image sharp cannot read has no thumbs
    return { kind: "none" };
  }
}
