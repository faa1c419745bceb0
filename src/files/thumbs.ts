/**
 * Thumbnails of images (docs/files.md#thumbnails): `<name>-<width>x[<height>][-crop].<ext>` beside the original's
 * media URL, generated on the first request with sharp (in libuv's threads, never on the event loop) into
 * `media/<parent>/<hash>/`, atomically (temp file + rename). Concurrent first requests share one generation, at most
 * a few generations run at once, and only the sizes the file model's URLs name are made, never enlarged.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { resolveInside } from "../fs/safe-path.js";
import { extensionOf, nameOf } from "./file-types.js";
import type { MediaFile } from "./types.js";

/** Widths (and heights) a thumb may have: the file model's `thumbs` and the Panel picker's `srcset`. */
export const THUMB_SIZES: ReadonlySet<number> = new Set([38, 76, 128, 256, 512, 768, 1024]);
/** Formats sharp reads and writes; other images have no thumbs. */
const THUMB_FORMATS: ReadonlySet<string> = new Set(["jpg", "jpeg", "png", "webp", "gif", "avif", "tif", "tiff"]);
/** Larger images are refused by the decoder before any pixel is read. */
const MAX_INPUT_PIXELS = 100_000_000;
/** Generations running at once: sharp shares libuv's threads with file I/O, which must not starve. */
const MAX_RUNNING = 2;
const THUMB_NAME = /^(.{1,255})-(\d{1,4})x(\d{0,4})(-crop)?\.([a-z0-9]{1,8})$/;

export interface ThumbSpec {
  readonly width: number;
  readonly height: number | null;
  readonly crop: boolean;
}

export interface Thumb {
  readonly root: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The original among `media` a thumb name is made from, with the thumb's size; null when it names no thumb. */
export function parseThumbName(
  media: readonly MediaFile[],
  thumbName: string,
): { readonly original: MediaFile; readonly spec: ThumbSpec } | null {
  const match = THUMB_NAME.exec(thumbName);
  if (match === null) return null;
  const [, base = "", widthText = "", heightText = "", crop, extension = ""] = match;
  const width = Number(widthText);
  const height = heightText === "" ? null : Number(heightText);
  if (!THUMB_SIZES.has(width) || (height !== null && !THUMB_SIZES.has(height))) return null;
  // a crop needs both sizes (the avatar's `-512x-crop` is its own version, docs/files.md#avatars)
  if (crop !== undefined && height === null) return null;
  if (!THUMB_FORMATS.has(extension)) return null;
  const original = media.find(
    (file) => file.dimensions !== null && nameOf(file.filename) === base && extensionOf(file.filename) === extension,
  );
  if (original === undefined) return null;
  return { original, spec: { width, height, crop: crop !== undefined } };
}

const known = new Map<string, Thumb>();
const pending = new Map<string, Promise<Thumb>>();
let running = 0;
let generations = 0;

/** How many thumbs this process has generated (for tests that check that concurrent requests share one). */
export function thumbGenerations(): number {
  return generations;
}
const waiting: Array<() => void> = [];

async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((resume) => waiting.push(resume));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function existing(target: string): Promise<Thumb | null> {
  const stats = await stat(target).catch(() => null);
  return stats?.isFile() ? { root: target, size: stats.size, mtimeMs: stats.mtimeMs } : null;
}

async function generate(source: string, target: string, spec: ThumbSpec): Promise<Thumb> {
  const found = await existing(target);
  if (found !== null) return found;
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.thumb.${randomBytes(6).toString("hex")}.tmp`);
  generations++;
  try {
    await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({
        width: spec.width,
        ...(spec.height === null ? {} : { height: spec.height }),
        fit: spec.crop && spec.height !== null ? "cover" : "inside",
        withoutEnlargement: true,
      })
      .toFile(temp);
    await rename(temp, target);
    return (await existing(target)) ?? Promise.reject(new Error("thumb vanished"));
  } finally {
    await rm(temp, { force: true });
  }
}

/** The thumb of `source` at `target`, generated once (concurrent callers share the one generation). */
export function ensureThumb(source: string, target: string, spec: ThumbSpec): Promise<Thumb> {
  let generation = pending.get(target);
  if (generation === undefined) {
    generation = (async () => {
      const cached = known.get(target);
      // the media folder is a cache and may be cleared at any time
      if (cached !== undefined && (await existing(target)) !== null) return cached;
      known.delete(target);
      return limited(() => generate(source, target, spec));
    })().then(
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
    pending.set(target, generation);
  }
  return generation;
}

/** `media/<folder…>/<hash>/<name>`, every segment kept inside the media folder. */
export function thumbPath(mediaRoot: string, folder: string, hash: string, thumbName: string): string {
  return resolveInside(mediaRoot, folder, hash, thumbName);
}

/**
 * Removes the generated versions of a file (after it was replaced, renamed or deleted): the folders
 * `media/<folder>/<token>-*` of its media token, and what this process remembers of them.
 */
export async function removeThumbs(mediaRoot: string, folder: string, token: string): Promise<void> {
  let dir: string;
  try {
    dir = resolveInside(mediaRoot, folder);
  } catch {
    return;
  }
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${token}-`)) continue;
    const hashDir = path.join(dir, name);
    for (const key of known.keys()) if (key.startsWith(`${hashDir}${path.sep}`)) known.delete(key);
    await rm(hashDir, { recursive: true, force: true });
  }
}

/** The site's `media/` folder, beside `content/`. */
export function mediaRootOf(contentRoot: string): string {
  return path.join(path.dirname(contentRoot), "media");
}
