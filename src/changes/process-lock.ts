import { randomBytes } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { GeneralError } from "../errors.js";

/**
 * A lock between processes that share a site folder: a file created atomically (a hard link that fails when the
 * name exists) holds the owner's pid and is removed when the work is done. A lock whose owner is no longer running (killed mid-write) or that is older
 * than STALE_LOCK_MS is broken, so a crash never blocks a model for long.
 */

/** A lock file this old belongs to work that can no longer be running. */
export const STALE_LOCK_MS = 30_000;
/** How long to wait for another process before giving up. */
const WAIT_LIMIT_MS = 10_000;
const RETRY_MS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the lock file can be broken: its owner is gone or it is too old. */
async function isAbandoned(file: string, now: number): Promise<boolean> {
  const [info, text] = await Promise.all([stat(file).catch(() => null), readFile(file, "utf8").catch(() => null)]);
  if (!info || text === null) return false;
  if (now - info.mtimeMs > STALE_LOCK_MS) return true;
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 && !isRunning(pid);
}

/**
 * Creates the lock file with the pid already in it: written to a temp file, then hard-linked to the lock's name,
 * which fails when the lock exists. So a lock file is never seen empty, even when its owner dies while taking it.
 */
async function tryCreate(file: string): Promise<boolean> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, String(process.pid), { flag: "wx", mode: 0o644 });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function acquire(file: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    if (await tryCreate(file)) return;
    if (await isAbandoned(file, Date.now())) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline)
      throw new GeneralError({ message: "The content is busy, please try again", httpCode: 503 });
    await sleep(RETRY_MS);
  }
}

/** Runs `task` while holding the lock file `file` (created next to the data it protects). */
export async function withProcessLock<T>(file: string, task: () => Promise<T>): Promise<T> {
  await acquire(file);
  try {
    return await task();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
