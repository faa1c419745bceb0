/**
 * The file model as the files routes answer it (pages', the site's and users' files, avatars), and the inputs of
 * uploads. Top-level keys arrive sorted alphabetically, as with every model.
 */
import type { BlueprintSummary, CompactPage, CompactSite, CompactUser, Content, FilePermissions } from "./types.js";

export type FileOrientation = "landscape" | "portrait" | "square";

/** An image's size. */
export interface ImageDimensions {
  readonly width: number;
  readonly height: number;
  readonly ratio: number;
  readonly orientation: FileOrientation;
}

/** `dimensions` of a file that is not an image is `{ dimensions: null }` (Kirby's shape, kept as it is). */
export type FileDimensions = ImageDimensions | { readonly dimensions: null };

/** Kirby's file types; anything it does not know is `other`. */
export type FileType = "image" | "document" | "archive" | "audio" | "video" | "code" | "other";

/** A file in the `compact` view (and the `next`/`prev` of a file). */
export interface CompactFile {
  readonly filename: string;
  /** `<page id>/<filename>` for a page's file, the filename for the site's, `<user id>/<filename>` for a user's. */
  readonly id: string;
  /** The Panel path of the file, e.g. `/pages/gallery/files/a-red.png`. */
  readonly link: string;
  readonly type: FileType;
  /** The media URL: serves the file without a session; changes whenever the file is replaced or renamed. */
  readonly url: string;
  /** `file://<uuid>`, or null when the meta file has none. */
  readonly uuid: string | null;
}

/** A file in the `default` view: every file read, every file write and every item of a file listing. */
export interface File extends CompactFile {
  /** The meta file's fields (`Sort`, `Template` and `Uuid` among them); an empty one arrives as `[]`. */
  readonly content: Content;
  readonly dimensions: FileDimensions;
  readonly exists: boolean;
  readonly extension: string;
  readonly mime: string | null;
  /** ISO 8601: the newer of the file's and its meta file's modification times. */
  readonly modified: string;
  /** The filename without its extension. */
  readonly name: string;
  readonly next: CompactFile | null;
  /** E.g. `98 B`, `1.2 MB` (with a no-break space). */
  readonly niceSize: string;
  /** What the current user may do with this file. */
  readonly options: FilePermissions;
  readonly parent: CompactPage | CompactSite | CompactUser;
  readonly prev: CompactFile | null;
  /** Bytes. */
  readonly size: number;
  /** The file blueprint's name, or null when the file has none. */
  readonly template: string | null;
}

/** Every field a file has, for `select`. */
export interface FileFields extends File {
  readonly blueprint: BlueprintSummary;
  readonly nextWithTemplate: CompactFile | null;
  readonly prevWithTemplate: CompactFile | null;
  /** The pages above a page's file, top first (empty for the site's and users' files). */
  readonly parents: readonly CompactPage[];
  /** URLs of the image in standard widths; null for files that are not images. */
  readonly thumbs: Readonly<Record<"tiny" | "small" | "medium" | "large" | "huge", string>> | null;
}

export interface FileViews {
  readonly default: File;
  readonly compact: CompactFile;
  readonly any: FileFields;
}

/**
 * What an upload sends: a `Blob`/`File` (browsers, and Node's `fs.openAsBlob()` or `fromPath()` of
 * `sheaf/client/node`), bytes, or a stream of bytes. Streams are sent as a streamed request body (Node's fetch;
 * browsers stream request bodies only over HTTP/2, so pass a Blob there).
 */
export type UploadSource = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadOptions {
  /** The file's name; needed unless the source is a `File` (then its `name` is the default). */
  readonly filename?: string;
  /** The file blueprint (`site/blueprints/files/<template>.yml`) whose `accept` rules apply and which the file keeps. */
  readonly template?: string;
  /** The `Sort` number written into the new file's meta file. */
  readonly sort?: number;
}

/** One file of `uploadMany()`. */
export interface UploadItem {
  readonly source: UploadSource;
  /** Needed unless the source is a `File`. */
  readonly filename?: string;
}

export interface SortFilesInput {
  /** File ids in their new order (`file.id`: `blog/hello/a.jpg` for a page's file); others are ignored. */
  readonly files: readonly string[];
  /** The `Sort` number of the first file; the following ones count up from it. Default 0. */
  readonly index?: number;
}
