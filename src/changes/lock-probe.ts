import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseTxt } from "../content/txt.js";
import { changesFileOf, USER_CONTENT_FILE } from "./changes-file.js";
import { lockHolder, type LockQuery, type StoredChanges } from "./lock.js";

/**
 * The lock as model views need it while they render (synchronously): whether a page, the site, a user or a file has
 * a changes version at all (one `stat`), and whether it is locked for a viewer. A model with changes is rendered per
 * request, never from the render cache, since its options depend on who looks and when.
 */

/** A page or the site: a folder and its content file. */
interface ContentModel {
  readonly dir: string;
  readonly contentFile: string;
}

/** A user: the account folder (its content is `user.txt`). */
interface AccountModel {
  readonly dir: string;
  readonly email: string;
  readonly passwordHash: string | null;
}

/** A media file with its meta file, as the file views hold it (`{ file, parent }`). */
interface MediaModel {
  readonly file: { readonly root: string; readonly metaFile: string };
}

function isRecord(item: unknown): item is Record<string, unknown> {
  return typeof item === "object" && item !== null;
}

function isContentModel(item: Record<string, unknown>): item is Record<string, unknown> & ContentModel {
  return typeof item["dir"] === "string" && typeof item["contentFile"] === "string";
}

function isAccountModel(item: Record<string, unknown>): item is Record<string, unknown> & AccountModel {
  return typeof item["dir"] === "string" && typeof item["email"] === "string" && "passwordHash" in item;
}

function isMediaModel(item: Record<string, unknown>): item is Record<string, unknown> & MediaModel {
  const file = item["file"];
  return isRecord(file) && typeof file["root"] === "string" && typeof file["metaFile"] === "string";
}

/** The changes file of a media file: `<folder>/_changes/<name of its meta file>` (`_changes/a-red.png.txt`). */
export function fileChangesFileOf(file: MediaModel["file"]): string {
  return changesFileOf(path.dirname(file.root), path.basename(file.metaFile));
}

/** The changes file of a page, the site, a user or a file; null for anything else. */
export function changesFileOfModel(item: unknown): string | null {
  if (!isRecord(item)) return null;
  if (isContentModel(item)) return changesFileOf(item.dir, path.basename(item.contentFile));
  if (isAccountModel(item)) return changesFileOf(item.dir, USER_CONTENT_FILE);
  if (isMediaModel(item)) return fileChangesFileOf(item.file);
  return null;
}

function readChangesSync(file: string): StoredChanges | null {
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    if (!info?.isFile()) return null;
    return { fields: parseTxt(readFileSync(file, "utf8")), modifiedMs: info.mtimeMs };
  } catch {
    return null;
  }
}

/** Whether a model has a changes version now. */
export function hasChangesVersion(item: unknown): boolean {
  const file = changesFileOfModel(item);
  return file !== null && statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}

/** Whether the changes version of a model is locked for the viewer of `query`. */
export function isLockedFor(item: unknown, query: Omit<LockQuery, "now">): boolean {
  const file = changesFileOfModel(item);
  if (file === null) return false;
  return lockHolder(readChangesSync(file), { ...query, now: Date.now() }) !== null;
}

/** Options of a model locked for the viewer: all false, except what `kept` names (a page's `preview`). */
export function lockedOptions(
  options: Readonly<Record<string, boolean>>,
  kept: readonly string[] = [],
): Record<string, boolean> {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, kept.includes(key) ? value : false]));
}
