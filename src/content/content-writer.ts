import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { cp, mkdir, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import { resolveInside } from "../fs/safe-path.js";
import { DRAFTS_FOLDER, parseFolderName } from "./inventory.js";
import { renameAll, TEMP_PREFIX, TRASH_PREFIX, type Rename } from "./journal.js";
import { parseTxt, serializeTxt } from "./txt.js";
import type { ContentFields, ContentIndex, ContentLanguages, Page, PageStatus } from "./types.js";

/**
 * Every change to `content/`: one writer for the whole tree, so writes are serialised and each one is applied to
 * disk crash-safely and then to the in-memory index before the next begins. Callers (the API) decide permissions
 * and validate input; this module only knows folders and files.
 */

export interface ContentWriterOptions {
  readonly index: ContentIndex;
  /** Absolute content root. */
  readonly root: string;
  readonly extension: string;
  /** UUID format for new pages, or false when UUIDs are disabled. */
  readonly uuid: false | "uuid" | "uuid-v4";
  /** Set on a multi-language site: content files are `<template>.<code>.<ext>`, new ones in the default language. */
  readonly languages?: ContentLanguages;
  /**
   * Processes sharing the site: runs each write holding a lock across processes, after this process has caught up
   * with the writes of the others, and announces the folders the write refreshed (`changed`).
   */
  readonly coordinate?: <T>(task: (changed: (dir: string) => void) => Promise<T>) => Promise<T>;
}

export interface NewPage {
  readonly slug: string;
  readonly template: string;
  readonly status: PageStatus;
  /** Stored content (already converted to strings and ordered). */
  readonly content: ContentFields;
  /** Position among listed siblings (1-based) for a listed page. */
  readonly position?: number;
}

const UUID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export class ContentWriter {
  private readonly mutex = new KeyedMutex();
  /** Notes a folder the current write refreshed, for other processes (set while a coordinated write runs). */
  private changed: ((dir: string) => void) | null = null;

  constructor(private readonly options: ContentWriterOptions) {}

  get index(): ContentIndex {
    return this.options.index;
  }

  /** A new page UUID: 16 lower-case alphanumerics, or an RFC 4122 v4 UUID. */
  newUuid(): string | null {
    if (this.options.uuid === false) return null;
    if (this.options.uuid === "uuid-v4") return randomUUID();
    let id = "";
    for (let i = 0; i < 16; i++) id += UUID_ALPHABET[randomInt(UUID_ALPHABET.length)];
    return id;
  }

  /** Runs a write alone: no other content write starts before it has finished and the index is current. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const coordinate = this.options.coordinate;
    if (!coordinate) return this.mutex.run("content", task);
    return this.mutex.run("content", () =>
      coordinate(async (changed) => {
        this.changed = changed;
        try {
          return await task();
        } finally {
          this.changed = null;
        }
      }),
    );
  }

  private parentDir(parent: Page | null): string {
    return parent ? parent.dir : this.options.root;
  }

  private contentFileName(template: string, code = this.options.languages?.defaultCode() ?? null): string {
    return code === null ? `${template}.${this.options.extension}` : `${template}.${code}.${this.options.extension}`;
  }

  /** Language codes of a page's content files on a multi-language site, or null on a single-language one. */
  private languageCodes(page: Page): string[] | null {
    if (this.options.languages?.defaultCode() == null || page.translations === undefined) return null;
    return Object.keys(page.translations);
  }

  private relative(file: string): string {
    return path.relative(this.options.root, file);
  }

  /** Re-reads a folder after a write made inside `exclusive` (and tells other processes about it). */
  refreshFolder(dir: string): Promise<void> {
    return this.refresh(dir);
  }

  private async refresh(...dirs: string[]): Promise<void> {
    for (const dir of new Set(dirs)) {
      await this.options.index.refresh(dir);
      this.changed?.(dir);
    }
  }

  /** Writes a page's content file atomically and updates the index. */
  async writeContent(page: Page, content: ContentFields): Promise<void> {
    await writeFileAtomic(page.contentFile, serializeTxt(content));
    await this.refresh(page.dir);
  }

  /** Writes the site's content file (or, on a multi-language site, the file of the language given). */
  async writeSiteContent(content: ContentFields, file = this.options.index.site.contentFile): Promise<void> {
    await writeFileAtomic(file, serializeTxt(content));
    await this.refresh(this.options.root);
  }

  /** Re-reads a content file from disk (the freshest state, inside the write lock). */
  async readContent(file: string): Promise<ContentFields> {
    return readFile(file, "utf8").then(parseTxt, () => ({}));
  }

  /**
   * Creates a page complete or not at all: it is built in a temp folder beside its final place and renamed into
   * place in one step. Listed pages shift their listed siblings as needed.
   */
  async createPage(parent: Page | null, input: NewPage): Promise<string> {
    const parentDir = this.parentDir(parent);
    const baseDir = input.status === "draft" ? path.join(parentDir, DRAFTS_FOLDER) : parentDir;
    // the slug and the template come from the request: prove both stay inside before anything is made
    resolveInside(baseDir, input.slug, this.contentFileName(input.template));
    await mkdir(baseDir, { recursive: true });
    const temp = path.join(baseDir, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
    await mkdir(temp);
    try {
      await writeFileAtomic(resolveInside(temp, this.contentFileName(input.template)), serializeTxt(input.content));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    const renames: Rename[] = [];
    let finalName = input.slug;
    if (input.status === "listed") {
      const siblings = listedSiblings(parent, this.options.index, null);
      const position = clampPosition(input.position, siblings.length);
      renames.push(...this.renumberPlan(siblings, position));
      finalName = `${position}_${input.slug}`;
    }
    renames.push({ from: this.relative(temp), to: this.relative(resolveInside(baseDir, finalName)) });
    try {
      await renameAll(this.options.root, renames);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    await this.refresh(parentDir);
    const id = parent ? `${parent.id}/${input.slug}` : input.slug;
    return id;
  }

  /** Renames the page folder for a new slug (number prefix kept); descendants follow with it. */
  async changeSlug(page: Page, slug: string): Promise<string> {
    const name = page.status === "listed" && page.num !== null ? `${page.num}_${slug}` : slug;
    const target = resolveInside(path.dirname(page.dir), name);
    await renameAll(this.options.root, [{ from: this.relative(page.dir), to: this.relative(target) }]);
    await this.refresh(path.dirname(path.dirname(page.dir)), path.dirname(page.dir));
    return page.parent ? `${page.parent.id}/${slug}` : slug;
  }

  /** Moves a page between draft, unlisted and listed (at a position), renumbering listed siblings. */
  async changeStatus(
    page: Page,
    status: PageStatus,
    position: number | undefined,
    fixedNum: number | null,
  ): Promise<void> {
    const parentDir = this.parentDir(page.parent);
    const renames: Rename[] = [];
    const wasListed = page.status === "listed";
    const siblings = listedSiblings(page.parent, this.options.index, page);
    let targetDir: string;
    if (status === "listed") {
      if (fixedNum !== null) {
        targetDir = path.join(parentDir, `${fixedNum}_${folderSlug(page)}`);
      } else {
        const at = clampPosition(position, siblings.length);
        renames.push(...this.renumberPlan(siblings, at));
        targetDir = path.join(parentDir, `${at}_${folderSlug(page)}`);
      }
    } else {
      if (wasListed && fixedNum === null) renames.push(...this.renumberPlan(siblings, null));
      const slug = folderSlug(page);
      targetDir = status === "draft" ? path.join(parentDir, DRAFTS_FOLDER, slug) : path.join(parentDir, slug);
    }
    if (targetDir !== page.dir) renames.push({ from: this.relative(page.dir), to: this.relative(targetDir) });
    await renameAll(this.options.root, renames);
    if (page.status === "draft" && status !== "draft") await removeIfEmpty(path.join(parentDir, DRAFTS_FOLDER));
    await this.refresh(parentDir);
  }

  /** Renames the content file to the new template's name (content kept). */
  async changeTemplate(page: Page, template: string): Promise<void> {
    const codes = this.languageCodes(page);
    if (codes !== null && codes.length > 0) {
      // every language's file follows, as one unit
      const renames = codes.map((code) => ({
        from: this.relative(path.join(page.dir, this.contentFileName(page.template, code))),
        to: this.relative(resolveInside(page.dir, this.contentFileName(template, code))),
      }));
      await renameAll(this.options.root, renames);
      await this.refresh(page.dir);
      return;
    }
    const target = resolveInside(page.dir, this.contentFileName(template));
    const exists = await stat(page.contentFile).then(
      () => true,
      () => false,
    );
    if (exists) {
      await rename(page.contentFile, target);
      await syncDirectory(page.dir);
    } else {
      await writeFileAtomic(target, serializeTxt(page.content));
    }
    await this.refresh(page.dir);
  }

  /**
   * Deletes a page with everything below it: the folder is first renamed to a trash name (the page is gone in one
   * step), then removed. Listed siblings close the gap.
   */
  async deletePage(page: Page): Promise<void> {
    const parentDir = this.parentDir(page.parent);
    const trash = path.join(path.dirname(page.dir), `${TRASH_PREFIX}${randomBytes(6).toString("hex")}`);
    await rename(page.dir, trash);
    await syncDirectory(path.dirname(page.dir));
    if (page.status === "listed") {
      const siblings = listedSiblings(page.parent, this.options.index, page);
      await renameAll(this.options.root, this.renumberPlan(siblings, null));
    }
    await rm(trash, { recursive: true, force: true });
    if (page.status === "draft") await removeIfEmpty(path.dirname(page.dir));
    await this.refresh(parentDir);
  }

  /**
   * Copies a page as a new draft sibling (with its children and files when asked), giving every copied page a
   * new UUID. Built in a temp folder and renamed into place.
   */
  async duplicatePage(
    page: Page,
    slug: string,
    { children, files }: { children: boolean; files: boolean },
  ): Promise<string> {
    const parentDir = this.parentDir(page.parent);
    const draftsDir = path.join(parentDir, DRAFTS_FOLDER);
    const target = resolveInside(draftsDir, slug);
    await mkdir(draftsDir, { recursive: true });
    const temp = path.join(draftsDir, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(temp);
      await this.copyPageFolder(page, temp, { children, files });
      await renameAll(this.options.root, [{ from: this.relative(temp), to: this.relative(target) }]);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    await this.refresh(parentDir);
    return page.parent ? `${page.parent.id}/${slug}` : slug;
  }

  /**
   * Renames that number listed siblings 1..n, leaving `reserved` (1-based) free for the page being placed.
   * Siblings already at their number are not touched; names differ by slug, so no rename meets another's target.
   */
  private renumberPlan(siblings: readonly Page[], reserved: number | null): Rename[] {
    const renames: Rename[] = [];
    let num = 1;
    for (const sibling of siblings) {
      if (num === reserved) num++;
      if (sibling.num !== num) {
        const target = path.join(path.dirname(sibling.dir), `${num}_${folderSlug(sibling)}`);
        renames.push({ from: this.relative(sibling.dir), to: this.relative(target) });
      }
      num++;
    }
    return renames;
  }

  private async copyPageFolder(
    page: Page,
    target: string,
    options: { children: boolean; files: boolean },
  ): Promise<void> {
    const uuid = this.newUuid();
    const codes = this.languageCodes(page);
    if (codes !== null && page.translations !== undefined) {
      // each language's own file as stored (a page seen in a translation holds merged content)
      for (const code of codes) {
        const content = { ...page.translations[code] };
        if (uuid && content["uuid"] !== undefined) content["uuid"] = uuid;
        await writeFileAtomic(path.join(target, this.contentFileName(page.template, code)), serializeTxt(content));
      }
    } else {
      const content = { ...page.content };
      if (uuid && content["uuid"] !== undefined) content["uuid"] = uuid;
      await writeFileAtomic(path.join(target, path.basename(page.contentFile)), serializeTxt(content));
    }
    if (options.files) {
      for (const file of page.files) {
        await cp(path.join(page.dir, file), path.join(target, file));
        const meta = `${file}.${this.options.extension}`;
        await cp(path.join(page.dir, meta), path.join(target, meta)).catch(() => undefined);
      }
    }
    if (options.children) {
      for (const child of page.children) {
        const dir = path.join(target, path.basename(child.dir));
        await mkdir(dir);
        await this.copyPageFolder(child, dir, options);
      }
      for (const draft of page.drafts) {
        const dir = path.join(target, DRAFTS_FOLDER, folderSlug(draft));
        await mkdir(dir, { recursive: true });
        await this.copyPageFolder(draft, dir, options);
      }
    }
  }
}

/** The slug in a page's folder name: a page seen in a translation may show a translated slug instead. */
function folderSlug(page: Page): string {
  if (page.language === undefined) return page.slug;
  const name = path.basename(page.dir);
  return page.status === "draft" ? name : parseFolderName(name).slug;
}

function listedSiblings(parent: Page | null, index: ContentIndex, except: Page | null): Page[] {
  const pool = parent ? parent.children : index.site.children;
  return pool
    .filter((page) => page.status === "listed" && page !== except && page.id !== except?.id)
    .sort((a, b) => (a.num ?? 0) - (b.num ?? 0));
}

function clampPosition(position: number | undefined, siblingCount: number): number {
  if (position === undefined || !Number.isFinite(position)) return siblingCount + 1;
  return Math.min(Math.max(1, Math.trunc(position)), siblingCount + 1);
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // not there or not empty
  }
}
