import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { ATOMIC_TEMP_FILE, syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { listDirectory } from "../fs/list-directory.js";

/**
 * Crash safety for operations that move several folders (publishing with renumbering, reordering): the planned
 * renames are written to a journal before the first one runs and the journal is removed after the last. A journal
 * left by a crash is rolled forward at the next start, so the content ends in the new state, never half-way.
 * Single-folder operations use temp and trash folders instead (see `content-writer.ts`); both kinds of leftovers
 * live in dot-folders the content index never reads.
 */

export const JOURNAL_DIR = ".sheaf-journal";
export const TEMP_PREFIX = ".sheaf-tmp-";
export const TRASH_PREFIX = ".sheaf-trash-";

export interface Rename {
  /** Paths relative to the content root. */
  readonly from: string;
  readonly to: string;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Runs one planned rename unless it already happened (so replaying a journal is harmless). */
async function applyRename(root: string, step: Rename): Promise<void> {
  const from = path.join(root, step.from);
  const to = path.join(root, step.to);
  if (!(await exists(from))) return;
  if (await exists(to)) throw new Error(`Cannot move ${step.from} to ${step.to}: the target exists`);
  await mkdir(path.dirname(to), { recursive: true });
  await rename(from, to);
  await syncDirectory(path.dirname(to));
  if (path.dirname(to) !== path.dirname(from)) await syncDirectory(path.dirname(from));
}

/** Performs renames as one crash-safe unit: journal, renames in order, journal removed. */
export async function renameAll(root: string, renames: readonly Rename[]): Promise<void> {
  if (renames.length === 0) return;
  if (renames.length === 1) {
    await applyRename(root, renames[0] as Rename);
    return;
  }
  const dir = path.join(root, JOURNAL_DIR);
  await mkdir(dir, { recursive: true });
  const journal = path.join(dir, `${Date.now()}-${randomBytes(4).toString("hex")}.json`);
  await writeFileAtomic(journal, JSON.stringify({ renames }));
  for (const step of renames) await applyRename(root, step);
  await unlink(journal);
  await syncDirectory(dir);
}

async function removeLeftovers(dir: string, depth: number): Promise<void> {
  for (const entry of await listDirectory(dir)) {
    const full = path.join(dir, entry.name);
    if (!entry.isDirectory()) {
      // a file write interrupted before its rename never became the file: its temp file is garbage
      if (ATOMIC_TEMP_FILE.test(entry.name)) await rm(full, { force: true });
      continue;
    }
    if (entry.name.startsWith(TEMP_PREFIX) || entry.name.startsWith(TRASH_PREFIX)) {
      await rm(full, { recursive: true, force: true });
    } else if (depth < 64 && (!entry.name.startsWith(".") || entry.name === JOURNAL_DIR)) {
      await removeLeftovers(full, depth + 1);
    }
  }
}

/**
 * Brings the content folder to a consistent state after a crash: rolls journals forward, removes unfinished
 * creations (temp folders) and finished deletions (trash folders).
 */
export async function recoverContent(root: string): Promise<void> {
  const dir = path.join(root, JOURNAL_DIR);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const { renames } = JSON.parse(await readFile(file, "utf8")) as { renames: Rename[] };
      for (const step of renames) await applyRename(root, step);
    } catch {
      // an unreadable journal was never complete: its renames had not started
    }
    await unlink(file).catch(() => undefined);
  }
  await removeLeftovers(root, 0);
}
