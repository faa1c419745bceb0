/**
 * Turning a single-language site into a multi-language one and back, as Kirby does when the first language is
 * created or the last one deleted: every content file of a model (a page's, the site's, a file's meta file, a
 * user's, and their `_changes` versions) is moved from `<name>.<ext>` to `<name>.<code>.<ext>`, or back. The moves
 * and the language file itself (written to a staging folder first, or moved to the trash) are one journal, so a
 * crash half-way is rolled forward at the next start and the site is never left half converted.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { renameAll, TEMP_PREFIX, TRASH_PREFIX, type Rename } from "../content/journal.js";
import type { ContentIndex } from "../content/types.js";

export interface SiteConversion {
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

/** A folder holding content files of one model (its own folder or its `_changes`), and the folder of its media. */
interface ModelFolder {
  readonly dir: string;
  /** The model's content file name without extension: the template, `site` or `user`. */
  readonly name: string;
  readonly mediaDir: string;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function modelFolders(conversion: SiteConversion): Promise<ModelFolder[]> {
  const { content, accountsDir } = conversion;
  const models: Array<{ dir: string; name: string }> = [{ dir: content.site.dir, name: "site" }];
  for (const page of content.allPages()) models.push({ dir: page.dir, name: page.template });
  for (const account of await names(accountsDir)) {
    if (!account.startsWith(".")) models.push({ dir: path.join(accountsDir, account), name: "user" });
  }
  const folders: ModelFolder[] = [];
  for (const model of models) {
    folders.push({ dir: model.dir, name: model.name, mediaDir: model.dir });
    folders.push({ dir: path.join(model.dir, "_changes"), name: model.name, mediaDir: model.dir });
  }
  return folders;
}

/** The bases whose content files move: the model's name and each media file (`photo.jpg` of `photo.jpg.txt`). */
async function basesOf(folder: ModelFolder, extension: string): Promise<Set<string>> {
  const bases = new Set([folder.name]);
  for (const name of await names(folder.mediaDir)) {
    if (!name.startsWith(".") && !name.toLowerCase().endsWith(`.${extension}`)) bases.add(name);
  }
  return bases;
}

interface Plan {
  readonly renames: Rename[];
  readonly trash: string;
}

/**
 * Renames of every content file from `fromName(base)` to `toName(base)`. A file already at the target is replaced,
 * as Kirby's write would replace it: it goes to the trash first.
 */
async function planMoves(
  conversion: SiteConversion,
  fromName: (base: string) => string,
  toName: (base: string) => string,
): Promise<Plan> {
  const { contentRoot, extension } = conversion;
  const trash = path.join(contentRoot, `${TRASH_PREFIX}${randomBytes(6).toString("hex")}`);
  const relative = (file: string): string => path.relative(contentRoot, file);
  const renames: Rename[] = [];
  let replaced = 0;
  for (const folder of await modelFolders(conversion)) {
    const present = new Set(await names(folder.dir));
    if (present.size === 0) continue;
    for (const base of await basesOf(folder, extension)) {
      const from = fromName(base);
      if (!present.has(from)) continue;
      const to = toName(base);
      if (present.has(to)) {
        renames.push({
          from: relative(path.join(folder.dir, to)),
          to: relative(path.join(trash, `${replaced++}-${to}`)),
        });
      }
      renames.push({ from: relative(path.join(folder.dir, from)), to: relative(path.join(folder.dir, to)) });
    }
  }
  return { renames, trash };
}

/** The renames that turn the site multi-language, the language file staged for the last one. */
export interface ConversionPlan {
  readonly renames: readonly Rename[];
  /** How many of the renames move content files. */
  readonly moved: number;
  /** Folders to remove once the renames are done (the start removes them after a crash). */
  readonly leftovers: readonly string[];
}

/**
 * Plans the creation of the site's first language: its file is written to a staging folder, and every
 * `<name>.<ext>` content file is to move to `<name>.<code>.<ext>`, the staged file into `site/languages/` last.
 */
export async function planMultiLanguage(conversion: SiteConversion, languageFileText: string): Promise<ConversionPlan> {
  const { code, extension, contentRoot, languageFile } = conversion;
  const plan = await planMoves(
    conversion,
    (base) => `${base}.${extension}`,
    (base) => `${base}.${code}.${extension}`,
  );
  const staging = path.join(contentRoot, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
  const staged = path.join(staging, `language-${code}.php`);
  await mkdir(staging, { recursive: true });
  await writeFileAtomic(staged, languageFileText);
  await mkdir(path.dirname(languageFile), { recursive: true });
  const renames = [...plan.renames];
  if (await exists(languageFile)) {
    renames.push({
      from: path.relative(contentRoot, languageFile),
      to: path.relative(contentRoot, path.join(plan.trash, `language-${code}.php`)),
    });
  }
  renames.push({ from: path.relative(contentRoot, staged), to: path.relative(contentRoot, languageFile) });
  return { renames, moved: plan.renames.length, leftovers: [staging, plan.trash] };
}

/**
 * Plans the deletion of the site's last language: its file goes to the trash and every `<name>.<code>.<ext>`
 * content file moves back to `<name>.<ext>`.
 */
export async function planSingleLanguage(conversion: SiteConversion): Promise<ConversionPlan> {
  const { code, extension, contentRoot, languageFile } = conversion;
  const plan = await planMoves(
    conversion,
    (base) => `${base}.${code}.${extension}`,
    (base) => `${base}.${extension}`,
  );
  const renames: Rename[] = [
    {
      from: path.relative(contentRoot, languageFile),
      to: path.relative(contentRoot, path.join(plan.trash, `language-${code}.php`)),
    },
    ...plan.renames,
  ];
  return { renames, moved: plan.renames.length, leftovers: [plan.trash] };
}

/**
 * Runs a plan as one journal. On failure the staging and trash folders stay: a journal that was written is rolled
 * forward at the next start (it needs the staged file), and the start then removes both folders.
 */
async function run(contentRoot: string, plan: ConversionPlan): Promise<number> {
  await renameAll(contentRoot, plan.renames);
  for (const folder of plan.leftovers) await rm(folder, { recursive: true, force: true });
  return plan.moved;
}

/** Creates the site's first language, moving every content file into it. Returns how many files moved. */
export async function convertToMultiLanguage(conversion: SiteConversion, languageFileText: string): Promise<number> {
  return run(conversion.contentRoot, await planMultiLanguage(conversion, languageFileText));
}

/** Deletes the site's last language, moving its content files back to `<name>.<ext>`. */
export async function convertToSingleLanguage(conversion: SiteConversion): Promise<number> {
  return run(conversion.contentRoot, await planSingleLanguage(conversion));
}
