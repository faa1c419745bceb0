/**
 * The site's languages, read from `site/languages/*.php` at start and changed only through this registry (each
 * change is written atomically and serialised). Listeners hear of every change, so the content index can follow a
 * new default language.
 */
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { resolveInside } from "../fs/safe-path.js";
import { LANGUAGE_CODE, parseLanguageFile, serializeLanguageFile } from "./language-file.js";
import type { Language } from "./types.js";

export interface LanguageRegistryOptions {
  /** Absolute path of `site/languages`. */
  readonly dir: string;
  readonly warn?: (message: string) => void;
}

export class LanguageRegistry {
  private languages: readonly Language[] = [];
  private byCode: ReadonlyMap<string, Language> = new Map();
  private defaultOne: Language | null = null;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly options: LanguageRegistryOptions) {}

  static async open(options: LanguageRegistryOptions): Promise<LanguageRegistry> {
    const registry = new LanguageRegistry(options);
    await registry.reload();
    return registry;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Every language in code order. */
  list(): readonly Language[] {
    return this.languages;
  }

  find(code: string): Language | undefined {
    return this.byCode.get(code) ?? this.byCode.get(code.toLowerCase());
  }

  /** The language marked default, else the first one; null without languages. */
  defaultLanguage(): Language | null {
    return this.defaultOne;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The file of a language code (proven to lie inside the languages folder). */
  fileOf(code: string): string {
    return resolveInside(this.options.dir, `${code}.php`);
  }

  /** Reads the folder again; unreadable files are skipped with a warning. */
  async reload(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch {
      names = [];
    }
    const languages: Language[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith(".php")) continue;
      const code = name.slice(0, -4).toLowerCase();
      if (!LANGUAGE_CODE.test(code)) continue;
      try {
        languages.push(parseLanguageFile(code, await readFile(path.join(this.options.dir, name), "utf8")));
      } catch (error) {
        this.options.warn?.(
          `The language file ${name} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.set(languages);
  }

  /** Writes a language's file (new or changed) and takes it into the list. */
  async save(language: Language): Promise<void> {
    const file = this.fileOf(language.code);
    await mkdir(this.options.dir, { recursive: true });
    await writeFileAtomic(file, serializeLanguageFile(language));
    this.set([...this.languages.filter((item) => item.code !== language.code), language]);
  }

  /** Removes a language's file if it is still there, and the language from the list. */
  async forget(code: string): Promise<void> {
    const file = this.fileOf(code);
    await unlink(file).then(
      () => syncDirectory(this.options.dir),
      () => undefined,
    );
    this.set(this.languages.filter((item) => item.code !== code));
  }

  private set(languages: readonly Language[]): void {
    this.languages = Object.freeze([...languages].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)));
    this.byCode = new Map(this.languages.map((language) => [language.code, language]));
    this.defaultOne = this.languages.find((language) => language.default) ?? this.languages[0] ?? null;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // a failing listener must not stop the others
      }
    }
  }
}
