/**
 * The files of a user: every file in `site/accounts/<id>/` except the account's own files (`index.php`,
 * `.htpasswd`, `user.txt` and its translations, dot-files) and meta files; the avatar is the one named `profile.<ext>`.
 */
import { readdir } from "node:fs/promises";
import { extensionOf } from "./file-types.js";
import { readMediaFiles } from "./scan.js";
import type { MediaFile } from "./types.js";

/** Extensions never listed as files: the account's credentials and anything a server could run. */
const NOT_FILES: ReadonlySet<string> = new Set(["php", "htm", "html"]);
/** Most names looked at in one account folder (a folder is a handful of entries; more is not a user's). */
const MAX_ENTRIES = 10_000;

/** Names of the user files in an account folder, sorted by code point. */
export async function userFileNames(dir: string, contentExtension: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const content = contentExtension.toLowerCase();
  const names: string[] = [];
  for (const entry of entries.slice(0, MAX_ENTRIES)) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const extension = extensionOf(entry.name);
    if (extension === content || NOT_FILES.has(extension)) continue;
    names.push(entry.name);
  }
  return names.sort();
}

/** The user files of an account folder with their meta files. */
export async function readUserFiles(dir: string, contentExtension: string): Promise<readonly MediaFile[]> {
  return readMediaFiles(dir, await userFileNames(dir, contentExtension), contentExtension);
}
