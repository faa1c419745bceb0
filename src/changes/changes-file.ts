import { mkdir, readdir, readFile, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { parseTxt, serializeTxt } from "../content/txt.js";
import type { ContentFields } from "../content/types.js";
import type { StoredChanges } from "./lock.js";

/**
 * The changes version on disk: `<model folder>/_changes/<content file name>` (docs/changes.md#versions-on-disk).
 * Written atomically; deleted durably, with the `_changes` folder when it is left empty.
 */

export const CHANGES_FOLDER = "_changes";
/** The content file of an account folder. */
export const USER_CONTENT_FILE = "user.txt";
/** The lock file Kirby 4 kept in a model's folder; any version change removes it. */
export const LEGACY_LOCK_FILE = ".lock";

/** Path of the changes version of a content file (`…/note.txt` → `…/_changes/note.txt`). */
export function changesFileOf(modelDir: string, contentFileName: string): string {
  return path.join(modelDir, CHANGES_FOLDER, contentFileName);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The changes version, or null when there is none. */
export async function readChanges(file: string): Promise<StoredChanges | null> {
  try {
    const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    return { fields: parseTxt(text), modifiedMs: info.mtimeMs };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** Writes the changes version (complete or not at all). */
export async function writeChanges(file: string, fields: ContentFields): Promise<void> {
  const dir = path.dirname(file);
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) await syncDirectory(path.dirname(dir));
  await writeFileAtomic(file, serializeTxt(fields));
}

/** Deletes the changes version durably; an empty `_changes` folder goes too. */
export async function deleteChanges(file: string): Promise<void> {
  const dir = path.dirname(file);
  try {
    await unlink(file);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  await syncDirectory(dir);
  await removeIfEmpty(dir);
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length > 0) return;
    await rmdir(dir);
    await syncDirectory(path.dirname(dir));
  } catch {
    // not there, or something was added meanwhile
  }
}

/** Removes a Kirby 4 `.lock` file of the model folder, if there is one. */
export async function removeLegacyLock(modelDir: string): Promise<void> {
  await unlink(path.join(modelDir, LEGACY_LOCK_FILE)).catch(() => undefined);
}
