/**
 * Every change to a media file and its meta file: serialised with the content writes, crash-safe (atomic meta
 * writes, journaled renames), and applied to the content index before the caller answers.
 */
import path from "node:path";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { resolveInside } from "../fs/safe-path.js";
import { renameAll, TRASH_PREFIX } from "../content/journal.js";
import { parseTxt, serializeTxt } from "../content/txt.js";
import type { ContentFields, ContentIndex } from "../content/types.js";
import { metaFilesOf } from "./file-languages.js";
import type { MediaFile } from "./types.js";

export interface FileWriterOptions {
  /** Re-reads a folder after a write (the content index; a no-op for folders read on every request). */
  readonly index: Pick<ContentIndex, "refresh">;
  /** Absolute content root. */
  readonly root: string;
  readonly extension: string;
  /** The default language's code on a multi-language site (new meta files are `<file>.<code>.<ext>`), else null. */
  defaultLanguage?(): string | null;
  /** Runs a write alone among all content writes. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** Re-reads a folder after a write (default: the index; the content writer's also tells other processes). */
  refresh?(dir: string): Promise<void>;
}

export class FileWriter {
  constructor(private readonly options: FileWriterOptions) {}

  private refresh(dir: string): Promise<void> {
    return this.options.refresh ? this.options.refresh(dir) : this.options.index.refresh(dir);
  }

  /** The meta fields as stored now (read inside the write lock, so nothing written meanwhile is lost). */
  async readMeta(file: MediaFile): Promise<ContentFields> {
    return readFile(file.metaFile, "utf8").then(parseTxt, () => ({}));
  }

  /** Runs `change` on the freshest meta fields and writes what it returns; the index is current afterwards. */
  updateMeta(file: MediaFile, change: (current: ContentFields) => ContentFields): Promise<void> {
    return this.options.exclusive(async () => {
      const next = change(await this.readMeta(file));
      await writeFileAtomic(file.metaFile, serializeTxt(next));
      await this.refresh(path.dirname(file.root));
    });
  }

  /**
   * Replaces the meta fields atomically and refreshes the index (a user's file lives outside the content folder and
   * is read from disk when asked for). Call inside `exclusive`.
   */
  async writeMeta(file: MediaFile, fields: ContentFields): Promise<void> {
    await writeFileAtomic(file.metaFile, serializeTxt(fields));
    const dir = path.dirname(file.root);
    const relative = path.relative(this.options.root, dir);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) await this.options.index.refresh(dir);
  }

  /** Writes the `Sort` of several files of one folder. */
  writeSort(files: ReadonlyArray<{ readonly file: MediaFile; readonly sort: number }>): Promise<void> {
    return this.options.exclusive(async () => {
      const dirs = new Set<string>();
      for (const { file, sort } of files) {
        const current = await this.readMeta(file);
        await writeFileAtomic(file.metaFile, serializeTxt(withKey(current, "sort", String(sort))));
        dirs.add(path.dirname(file.root));
      }
      for (const dir of dirs) await this.refresh(dir);
    });
  }

  /** Runs a task alone among all content writes (checks and writes of an upload that must not interleave). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.options.exclusive(task);
  }

  /**
   * Moves a received upload (a temp file in the same folder, already fsynced) to its name. The meta file is written
   * first when given, so the file never appears without it. Call inside `exclusive`.
   */
  async placeUpload(tempPath: string, target: string, meta: ContentFields | null): Promise<void> {
    const dir = path.dirname(target);
    const code = this.options.defaultLanguage?.() ?? null;
    const metaFile =
      code === null ? `${target}.${this.options.extension}` : `${target}.${code}.${this.options.extension}`;
    if (meta !== null) await writeFileAtomic(metaFile, serializeTxt(meta));
    await rename(tempPath, target);
    await syncDirectory(dir);
    await this.refresh(dir);
  }

  /**
   * Removes a file and its meta file as one step: both are moved into a trash folder (journaled), which is then
   * removed; a crash in between leaves a trash folder that the next start removes.
   */
  delete(file: MediaFile): Promise<void> {
    return this.options.exclusive(async () => {
      const dir = path.dirname(file.root);
      const trash = path.join(dir, `${TRASH_PREFIX}${randomBytes(6).toString("hex")}`);
      await mkdir(trash);
      const relative = (absolute: string): string => path.relative(this.options.root, absolute);
      await renameAll(this.options.root, [
        ...metaFilesOf(file, this.options.extension).map((metaFile) => ({
          from: relative(metaFile),
          to: relative(path.join(trash, path.basename(metaFile))),
        })),
        { from: relative(file.root), to: relative(path.join(trash, file.filename)) },
      ]);
      await rm(trash, { recursive: true, force: true });
      await this.refresh(dir);
    });
  }

  /** Renames a file and its meta file together (journaled: after a crash both have the new name). */
  rename(file: MediaFile, filename: string): Promise<void> {
    return this.options.exclusive(async () => {
      const dir = path.dirname(file.root);
      const target = resolveInside(dir, filename);
      const relative = (absolute: string): string => path.relative(this.options.root, absolute);
      // every language's meta file moves with the file (a missing one is skipped)
      await renameAll(this.options.root, [
        { from: relative(file.root), to: relative(target) },
        ...metaFilesOf(file, this.options.extension).map((metaFile) => ({
          from: relative(metaFile),
          to: relative(`${target}${metaFile.slice(file.root.length)}`),
        })),
      ]);
      await this.refresh(dir);
    });
  }
}

/** The fields with one key set, keeping its place (or added at the end). */
function withKey(fields: ContentFields, key: string, value: string): ContentFields {
  const next = new Map(Object.entries(fields));
  next.set(key, value);
  return Object.fromEntries(next);
}
