/**
 * Deleting a language removes its file and every content file in that language (pages, the site, file meta files,
 * unsaved changes and user content) as one crash-safe unit: all of them are moved into trash folders through one
 * journal (rolled forward at the next start if the process dies half-way), the language file last; the trash is
 * removed afterwards.
 */
import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { renameAll, TRASH_PREFIX, type Rename } from "../content/journal.js";
import type { ContentIndex } from "../content/types.js";

export interface LanguageDeletion {
  readonly code: string;
  /** Absolute content root. */
  readonly contentRoot: string;
  /** Absolute path of `site/accounts`. */
  readonly accountsDir: string;
  /** Absolute path of the language's file. */
  readonly languageFile: string;
  readonly extension: string;
  readonly content: ContentIndex;
}

/** Folders that may hold content files: the root, every page and draft, and their `_changes` folders. */
function contentFolders(content: ContentIndex): string[] {
  const folders = [content.site.dir];
  for (const page of content.allPages()) folders.push(page.dir);
  for (const folder of [...folders]) folders.push(path.join(folder, "_changes"));
  return folders;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** The renames that move a language's files out of the site (the language file last) and the trash they go to. */
export interface LanguageDeletionPlan {
  readonly renames: readonly Rename[];
  readonly trashDirs: readonly string[];
}

/** Moves every file of the language, then the language file, to trash folders in one journal; then empties them. */
export async function deleteLanguageFiles(deletion: LanguageDeletion): Promise<number> {
  const plan = await planLanguageDeletion(deletion);
  await renameAll(deletion.contentRoot, plan.renames);
  for (const trash of plan.trashDirs) await rm(trash, { recursive: true, force: true });
  return plan.renames.length - 1;
}

export async function planLanguageDeletion(deletion: LanguageDeletion): Promise<LanguageDeletionPlan> {
  const { code, contentRoot, extension } = deletion;
  const suffix = `.${code}.${extension}`;
  const trashName = `${TRASH_PREFIX}${randomBytes(6).toString("hex")}`;
  const trashDirs = new Set<string>();
  const renames: Rename[] = [];
  const relative = (file: string): string => path.relative(contentRoot, file);

  // `<name>.<code>.<ext>` with a non-empty name: `note.de.txt`, `photo.jpg.de.txt`
  const isLanguageFile = (name: string): boolean =>
    name.endsWith(suffix) && name.length > suffix.length && !name.startsWith(".");
  for (const folder of contentFolders(deletion.content)) {
    for (const name of await names(folder)) {
      if (!isLanguageFile(name)) continue;
      const trash = path.join(folder, trashName);
      trashDirs.add(trash);
      renames.push({ from: relative(path.join(folder, name)), to: relative(path.join(trash, name)) });
    }
  }
  // user content and the language file go to a trash folder in the content root, which recovery also clears
  const rootTrash = path.join(contentRoot, trashName);
  trashDirs.add(rootTrash);
  for (const account of await names(deletion.accountsDir)) {
    if (account.startsWith(".")) continue;
    for (const name of await names(path.join(deletion.accountsDir, account))) {
      if (!isLanguageFile(name)) continue;
      renames.push({
        from: relative(path.join(deletion.accountsDir, account, name)),
        to: relative(path.join(rootTrash, `account-${account}-${name}`)),
      });
    }
  }
  renames.push({
    from: relative(deletion.languageFile),
    to: relative(path.join(rootTrash, `language-${path.basename(deletion.languageFile)}`)),
  });

  return { renames, trashDirs: [...trashDirs] };
}
