import { lstat, readdir, stat } from "node:fs/promises";
import path from "node:path";

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

/** Folders read at the same time; keeps a scan of a large tree from crowding out the requests it runs beside. */
const PARALLEL_FOLDERS = 8;

/** Takes the picture of `root`; null when `root` is not a folder (missing, or replaced by a file). */
export async function scanTree(root: string, options: ScanOptions = {}): Promise<TreePicture | null> {
  let rootInode: number;
  try {
    // the root may be a link to the real folder (a deployment's `content -> /srv/content`); entries are not followed
    const info = await stat(root);
    if (!info.isDirectory()) return null;
    rootInode = info.ino;
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }

  const include = options.include ?? (() => true);
  const picture: TreePicture = new Map([["", `${rootInode}`]]);
  const pending: string[] = [""];

  const readFolder = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      // Removed while the tree was being read: its parent's entry tells the difference already.
      if (isGone(error)) return;
      throw error;
    }
    await Promise.all(
      entries.map(async (entry) => {
        const entryPath = relative === "" ? entry.name : `${relative}/${entry.name}`;
        if (!include(entryPath)) return;
        try {
          const info = await lstat(path.join(root, entryPath));
          if (info.isDirectory()) {
            picture.set(entryPath, `${info.ino}`);
            pending.push(entryPath);
          } else {
            picture.set(entryPath, `${info.ino}:${info.size}:${info.mtimeMs}`);
          }
        } catch (error) {
          if (!isGone(error)) throw error;
        }
      }),
    );
  };

  const worker = async (): Promise<void> => {
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) await readFolder(next);
  };
  // Workers stop when the queue runs dry even if a sibling is about to add folders, so go round until it stays empty.
  while (pending.length > 0) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FOLDERS, pending.length) }, worker));
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
