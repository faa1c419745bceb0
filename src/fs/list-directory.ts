import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";

/** The entries of a folder with their types; none when it is missing or unreadable. */
export async function listDirectory(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
