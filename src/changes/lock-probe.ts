import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseTxt } from "../content/txt.js";
import { changesFileOf } from "./changes-file.js";
import { lockHolder, type LockQuery, type StoredChanges } from "./lock.js";

/**
 * The lock as model views need it while they render (synchronously): whether a page or the site has a changes
 * version at all (one `stat`), and whether it is locked for a viewer. A model with changes is rendered per request,
 * never from the render cache, since its options depend on who looks and when.
 */

interface ContentModel {
  readonly dir: string;
  readonly contentFile: string;
}

function isContentModel(item: unknown): item is ContentModel {
  if (typeof item !== "object" || item === null) return false;
  const { dir, contentFile } = item as Partial<ContentModel>;
  return typeof dir === "string" && typeof contentFile === "string";
}

/** The changes file of a page or the site; null for anything else. */
export function changesFileOfModel(item: unknown): string | null {
  return isContentModel(item) ? changesFileOf(item.dir, path.basename(item.contentFile)) : null;
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

/** Whether a page or the site has a changes version now. */
export function hasChangesVersion(item: unknown): boolean {
  const file = changesFileOfModel(item);
  return file !== null && statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}

/** Whether the changes version of a page or the site is locked for the viewer of `query`. */
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
