/** Shapes of the files the content index holds beside pages and the site (docs/files.md). */

export interface ImageDimensions {
  readonly width: number;
  readonly height: number;
}

/** One media file as last read from disk, with its meta file `<filename>.txt`. */
export interface MediaFile {
  /** File name as on disk (`a-red.png`). */
  readonly filename: string;
  /** Absolute path of the file. */
  readonly root: string;
  /** Absolute path of the meta file (`<root>.txt`); it may not exist. */
  readonly metaFile: string;
  readonly size: number;
  /** Modification time of the file itself (ms). */
  readonly mtimeMs: number;
  /** The newer of the file's and its meta file's modification times (ms). */
  readonly modifiedMs: number;
  /** Fields of the meta file (keys lower-case), empty without one. */
  readonly meta: Readonly<Record<string, string>>;
  /**
   * Multi-language sites: every language's own meta file `<filename>.<code>.<ext>`, by code (as stored, not merged).
   * The content index then shows `meta` and `metaFile` of the language a request reads in.
   */
  readonly translations?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Width and height of an image, null for other files or unreadable images. */
  readonly dimensions: ImageDimensions | null;
}

/** Where a file with a given UUID lives: its parent page id (null for the site) and its name. */
export interface FileLocation {
  readonly parentId: string | null;
  readonly filename: string;
}
