/**
 * `sheaf/client/node`: helpers of the client that need Node.js, kept apart so that `sheaf/client` stays free of
 * Node built-ins for browsers and bundlers.
 */
import { openAsBlob } from "node:fs";
import path from "node:path";

export interface FromPathOptions {
  /** The name to upload under; default the file's own name. */
  readonly filename?: string;
  /** The part's Content-Type; the server detects the type from the bytes either way. */
  readonly type?: string;
}

/**
 * A file on disk as a `File` for `files.upload()`, `files.replace()` and `avatar.set()`. The file is read while it
 * is sent, never held in memory as a whole, and the request carries its length.
 */
export async function fromPath(file: string, options: FromPathOptions = {}): Promise<File> {
  const blob = await openAsBlob(file, options.type === undefined ? {} : { type: options.type });
  return new File([blob], options.filename ?? path.basename(file), { type: blob.type });
}
