/**
 * Reads the media files of one content folder: size and times, the meta file `<filename>.<ext>` and image
 * dimensions. Called by the content index for every folder it (re)reads.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { imageSizeFromFile } from "image-size/fromFile";
import { parseTxt } from "../content/txt.js";
import type { ContentFields } from "../content/types.js";
import { extensionOf, isMeasured } from "./file-types.js";
import type { ImageDimensions, MediaFile } from "./types.js";

const NO_FIELDS: ContentFields = Object.freeze({});

/** The media files of `dir` (names from the folder inventory), in the given order; vanished files are left out. */
export async function readMediaFiles(
  dir: string,
  names: readonly string[],
  contentExtension: string,
): Promise<readonly MediaFile[]> {
  const files = await Promise.all(names.map((name) => readMediaFile(dir, name, contentExtension)));
  return Object.freeze(files.filter((file): file is MediaFile => file !== null));
}

export async function readMediaFile(
  dir: string,
  filename: string,
  contentExtension: string,
): Promise<MediaFile | null> {
  const root = join(dir, filename);
  const metaFile = `${root}.${contentExtension}`;
  let fileStats: Awaited<ReturnType<typeof stat>>;
  try {
    fileStats = await stat(root);
  } catch {
    return null;
  }
  if (!fileStats.isFile()) return null;
  const [meta, metaMtimeMs] = await readMeta(metaFile);
  return Object.freeze({
    filename,
    root,
    metaFile,
    size: Number(fileStats.size),
    mtimeMs: Number(fileStats.mtimeMs),
    modifiedMs: Math.max(Number(fileStats.mtimeMs), metaMtimeMs),
    meta,
    dimensions: isMeasured(extensionOf(filename)) ? await measure(root) : null,
  });
}

async function readMeta(metaFile: string): Promise<[ContentFields, number]> {
  try {
    const [text, metaStats] = await Promise.all([readFile(metaFile, "utf8"), stat(metaFile)]);
    return [Object.freeze(parseTxt(text)), metaStats.mtimeMs];
  } catch {
    return [NO_FIELDS, 0];
  }
}

async function measure(path: string): Promise<ImageDimensions | null> {
  try {
    const { width, height } = await imageSizeFromFile(path);
    return width > 0 && height > 0 ? Object.freeze({ width, height }) : null;
  } catch {
    return null;
  }
}
