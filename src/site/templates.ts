import { readFile } from "node:fs/promises";
import { listDirectory } from "../fs/list-directory.js";
import { WatchedFolder, type WatchSettings } from "../fs/watched-folder.js";
import path from "node:path";
import { Eta } from "eta";

/**
 * The site's Eta templates (`site/templates/*.eta`), read from disk asynchronously into memory at start and again
 * when they change, so rendering never waits on the disk. Output is HTML-escaped by default (`<%= %>`); `<%~ %>`
 * writes raw HTML.
 */
export class TemplateStore {
  private readonly sources = new Map<string, string>();
  private readonly eta: Eta;
  private watcher: WatchedFolder | null = null;

  private constructor(readonly dir: string) {
    this.eta = new Eta({
      views: dir,
      autoEscape: true,
      cache: true,
      // Template helpers are plain names, as in Kirby's templates: `<%= csrf() %>`, `<%= page.title %>`.
      functionHeader: "const { page, site, csrf, url, escape: e } = it;",
    });
    this.eta.readFile = (file: string): string => {
      const source = this.sources.get(path.resolve(file));
      if (source === undefined) throw new Error(`Template not found: ${path.relative(this.dir, file)}`);
      return source;
    };
  }

  static async open(
    dir: string,
    { watch: shouldWatch = true, watching = {} }: { watch?: boolean; watching?: WatchSettings } = {},
  ): Promise<TemplateStore> {
    const store = new TemplateStore(path.resolve(dir));
    await store.reload();
    if (shouldWatch) {
      store.watcher = await WatchedFolder.open({
        ...watching,
        dir: store.dir,
        name: "templates",
        reload: () => store.reload(),
      });
    }
    return store;
  }

  async reload(): Promise<void> {
    const found = new Map<string, string>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await listDirectory(dir)) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith(".eta")) found.set(full, await readFile(full, "utf8"));
      }
    };
    await walk(this.dir);
    this.sources.clear();
    for (const [file, source] of found) this.sources.set(file, source);
    this.eta.templatesSync.reset();
    this.eta.templatesAsync.reset();
    this.eta.filepathCache = {};
  }

  has(template: string): boolean {
    return this.sources.has(path.join(this.dir, `${template}.eta`));
  }

  /** Renders `<template>.eta`, or `default.eta` when the page's template has no file; null when neither exists. */
  render(template: string, data: object): string | null {
    const name = this.has(template) ? template : this.has("default") ? "default" : null;
    if (name === null) return null;
    return this.eta.render(`./${name}`, data);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
