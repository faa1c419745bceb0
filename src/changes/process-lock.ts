import { open, readFile, stat, unlink } from "node:fs/promises";
import { GeneralError } from "../errors.js";

/**
 * A lock between processes that share a site folder: a file created exclusively (`O_EXCL`) holds the owner's pid
 * and is removed when the work is done. A lock whose owner is no longer running (killed mid-write) or that is older
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
  // an empty file is a lock being taken right now
  return Number.isSafeInteger(pid) && pid > 0 && !isRunning(pid);
}

async function acquire(file: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    try {
      const handle = await open(file, "wx", 0o644);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
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
