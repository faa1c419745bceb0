/** Shapes of the in-memory content index. Built once from `content/`, kept current by file-system notices. */
import type { WatchSettings } from "../fs/watched-folder.js";
import type { FileLocation, MediaFile } from "../files/types.js";

export type PageStatus = "listed" | "unlisted" | "draft";

/** Field values as stored in a `.txt` file: keys lower-case with `_` (`text_with_dashes`), values strings. */
export type ContentFields = Record<string, string>;

export interface Page {
  /** Slugs of ancestors and self joined by `/`, e.g. `notes/first-note` (no numbers, no `_drafts`). */
  readonly id: string;
  readonly slug: string;
  /** Sorting number of a listed page, `null` for unlisted pages and drafts. */
  readonly num: number | null;
  readonly status: PageStatus;
  /** Intended template: the content file's name without extension (`default` when there is none). */
  readonly template: string;
  /** Absolute path of the page folder. */
  readonly dir: string;
  /** Absolute path of the content file (`<dir>/<template>.txt`); it may not exist. */
  readonly contentFile: string;
  readonly content: ContentFields;
  readonly parent: Page | null;
  /** Listed and unlisted children in inventory order (natural folder-name order). */
  readonly children: readonly Page[];
  /** Drafts under `<dir>/_drafts`, in inventory order. */
  readonly drafts: readonly Page[];
  /** Media file names in the folder (not content files, not ignored names), natural order. */
  readonly files: readonly string[];
  /** The media files with their meta files, in the order of `files` (absent on pages built outside the index). */
  readonly media?: readonly MediaFile[];
  /** Multi-language sites: every language's own content file, by language code (as stored, not merged). */
  readonly translations?: Readonly<Record<string, ContentFields>>;
  /** A page seen in a non-default language: that language's code. */
  readonly language?: string;
  /** A page seen in a non-default language: the path of translated slugs (`notizen/erste`), when it differs from the id. */
  readonly uri?: string;
}

export interface Site {
  /** Absolute path of the content root. */
  readonly dir: string;
  readonly contentFile: string;
  readonly content: ContentFields;
  readonly children: readonly Page[];
  readonly drafts: readonly Page[];
  readonly files: readonly string[];
  readonly media?: readonly MediaFile[];
  /** Multi-language sites: every language's own content file, by language code (as stored, not merged). */
  readonly translations?: Readonly<Record<string, ContentFields>>;
  /** The site seen in a non-default language: that language's code. */
  readonly language?: string;
}

/** A multi-language site's content files: `<name>.<code>.<ext>`, the default language's being the model's content. */
export interface ContentLanguages {
  /** Code of the default language; null while the site has no languages (content files are then `<name>.<ext>`). */
  defaultCode(): string | null;
}

export interface ContentIndexOptions {
  /** Absolute path of the content root (`<site>/content`). */
  root: string;
  /** Content file extension without dot (option `content.extension`, default `txt`). */
  extension?: string;
  /** Ignored names (option `content.ignore`). */
  ignore?: readonly string[];
  /** Keep the index current when files change on disk (default true). */
  watch?: boolean;
  /** How changes are followed when watching (log, reconciliation interval). */
  watching?: WatchSettings;
  /** Set for a multi-language site (option `languages`). */
  languages?: ContentLanguages;
}

export interface ContentIndex {
  readonly site: Site;
  /** Page (or draft) by id, case-insensitively, in O(1). */
  findPage(id: string): Page | undefined;
  /** Where the file with a meta `Uuid` (without `file://`) lives, in O(1). */
  findFileByUuid(uuid: string): FileLocation | undefined;
  /** Every page and draft, depth-first in inventory order. */
  allPages(): Iterable<Page>;
  /** Re-reads the disk now (also done automatically on change notices). */
  reload(): Promise<void>;
  /** Re-reads one page folder (or the site) after a write, without waiting for the watcher. */
  refresh(dir: string): Promise<void>;
  /** Subscribe to index changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}
