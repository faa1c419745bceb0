/**
 * The avatar thumb (docs/files.md#avatars): the 512×512 cover crop `profile-512x-crop.<ext>` of a user's
 * `profile.<ext>`, generated on first use with sharp (in its own threads, never on the event loop) into
 * `media/users/<id>/<hash>/`, atomically (temp file + rename); concurrent first requests generate it once.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { resolveInside } from "../fs/safe-path.js";
import type { ImageDimensions } from "./types.js";

export const AVATAR_THUMB_SIZE = 512;
/** Larger images are refused by the decoder before any pixel is read. */
const MAX_INPUT_PIXELS = 100_000_000;
const AVATAR_NAME = /^profile\.([a-z0-9]{1,8})$/;
/** Formats sharp writes; another avatar format has no thumb. */
const THUMB_FORMATS: ReadonlySet<string> = new Set(["jpg", "jpeg", "png", "webp", "gif", "avif", "tif", "tiff"]);

export interface AvatarThumb {
  readonly filename: string;
  readonly root: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dimensions: ImageDimensions;
}

/** `profile.<ext>` → `profile-512x-crop.<ext>`; null for a name that is not an avatar or a format without thumbs. */
export function avatarThumbName(avatarFilename: string): string | null {
  const match = AVATAR_NAME.exec(avatarFilename);
  const extension = match?.[1];
  if (extension === undefined || !THUMB_FORMATS.has(extension)) return null;
  return `profile-${AVATAR_THUMB_SIZE}x-crop.${extension}`;
}

/** Where the site keeps generated versions: `<site root>/media`, the site root being above `site/accounts/<id>`. */
export function mediaRootOf(userDir: string): string {
  return path.join(path.resolve(userDir, "..", "..", ".."), "media");
}

/** The thumb's path: `media/users/<id>/<hash>/<thumb name>`, every segment kept inside the media folder. */
export function avatarThumbPath(userDir: string, userId: string, hash: string, thumbName: string): string {
  return resolveInside(mediaRootOf(userDir), "users", userId, hash, thumbName);
}

const known = new Map<string, AvatarThumb>();
const pending = new Map<string, Promise<AvatarThumb>>();

/** A generated thumb already known to this process (no disk access), or undefined. */
export function knownAvatarThumb(thumbPath: string): AvatarThumb | undefined {
  return known.get(thumbPath);
}

async function generate(source: string, target: string): Promise<AvatarThumb> {
  const existing = await stat(target).catch(() => null);
  if (existing?.isFile()) {
    const meta = await sharp(target).metadata();
    return {
      filename: path.basename(target),
      root: target,
      size: existing.size,
      mtimeMs: existing.mtimeMs,
      dimensions: { width: meta.width ?? 0, height: meta.height ?? 0 },
    };
  }
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.thumb.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const image = sharp(source, { limitInputPixels: MAX_INPUT_PIXELS });
    const { width = 0, height = 0 } = await image.metadata();
    // a square as large as the image allows, up to 512: smaller images are cropped, never enlarged
    const side = expectedThumbSide({ width, height });
    if (side < 1) throw new Error("not an image");
    const info = await image.rotate().resize(side, side, { fit: "cover", position: "centre" }).toFile(temp);
    await rename(temp, target);
    const stats = await stat(target);
    return {
      filename: path.basename(target),
      root: target,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      dimensions: { width: info.width, height: info.height },
    };
  } finally {
    await rm(temp, { force: true });
  }
}

async function reuseOrGenerate(source: string, target: string): Promise<AvatarThumb> {
  const cached = known.get(target);
  // the media folder is a cache and may be cleared at any time
  if (cached !== undefined && (await stat(target).catch(() => null))?.isFile()) return cached;
  known.delete(target);
  return generate(source, target);
}

/** The thumb of `source` at `target`, generated once (concurrent callers share the one generation). */
export function ensureAvatarThumb(source: string, target: string): Promise<AvatarThumb> {
  let running = pending.get(target);
  if (running === undefined) {
    running = reuseOrGenerate(source, target).then(
      (thumb) => {
        known.set(target, thumb);
        pending.delete(target);
        return thumb;
      },
      (error: unknown) => {
        pending.delete(target);
        throw error;
      },
    );
    pending.set(target, running);
  }
  return running;
}

/**
 * Removes the generated versions of a user's avatar (after it was replaced or deleted): the folder
 * `media/users/<id>/` and what this process remembers of it.
 */
export async function removeAvatarThumbs(userDir: string, userId: string): Promise<void> {
  const folder = resolveInside(mediaRootOf(userDir), "users", userId);
  for (const key of known.keys()) if (key.startsWith(`${folder}${path.sep}`)) known.delete(key);
  await rm(folder, { recursive: true, force: true });
}

/** The side a cover crop of an image of this size has: square, never larger than the image or 512. */
export function expectedThumbSide(dimensions: ImageDimensions): number {
  return Math.min(AVATAR_THUMB_SIZE, dimensions.width, dimensions.height);
}
