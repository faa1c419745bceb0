import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from "node:fs";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * A cheap picture of a folder tree for noticing changes without file-system events: every entry's relative path
 * with its inode, size and modification time. Comparing two pictures yields the paths that changed.
 */

/**
 * Relative path (with `/` on every platform) → `inode:size:mtime` for files, `inode` for folders; the folder itself
 * is the empty path, so that a folder replaced as a whole shows too.
 */
export type TreePicture = Map<string, string>;

export interface ScanOptions {
  /** Entries (and folders with everything below them) for which this returns false are left out. */
  readonly include?: (relativePath: string) => boolean;
}

/**
 * The scan uses synchronous calls in slices of this many milliseconds, then lets other work run: a `stat` through
 * the thread pool costs several times more than the call itself, and a tree of 100k files would otherwise keep
 * the pool busy for seconds.
 */
const SLICE_MS = 4;

/** Takes the picture of `root`; null when `root` is not a folder (missing, or replaced by a file). */
export async function scanTree(root: string, options: ScanOptions = {}): Promise<TreePicture | null> {
  let rootInode: number;
  try {
    // the root may be a link to the real folder (a deployment's `content -> /srv/content`); entries are not followed
    const info = statSync(root);
    if (!info.isDirectory()) return null;
    rootInode = info.ino;
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }

  const include = options.include ?? (() => true);
  const picture: TreePicture = new Map([["", `${rootInode}`]]);
  const folders: string[] = [""];
  let sliceStart = Date.now();

  for (let relative = folders.pop(); relative !== undefined; relative = folders.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      // Removed while the tree was being read: its parent's entry tells the difference already.
      if (isGone(error)) continue;
      throw error;
    }
    for (const entry of entries) {
      const entryPath = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (!include(entryPath)) continue;
      let info: Stats;
      try {
        info = lstatSync(path.join(root, entryPath));
      } catch (error) {
        if (isGone(error)) continue;
        throw error;
      }
      if (info.isDirectory()) {
        picture.set(entryPath, `${info.ino}`);
        folders.push(entryPath);
      } else {
        picture.set(entryPath, `${info.ino}:${info.size}:${info.mtimeMs}`);
      }
    }
    if (Date.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = Date.now();
    }
  }
  return picture;
}

/** The paths that were added, removed or changed between two pictures. */
export function changedPaths(before: TreePicture, after: TreePicture): Set<string> {
  const changed = new Set<string>();
  for (const [entry, signature] of after) {
    if (before.get(entry) !== signature) changed.add(entry);
  }
  for (const entry of before.keys()) {
    if (!after.has(entry)) changed.add(entry);
  }
  return changed;
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
