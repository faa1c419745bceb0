/**
 * Receives a multipart body: every file part is streamed to a temp file in the target folder (fsynced), text fields
 * are collected. Nothing is held in memory beyond the parser's buffers. Temp files are dot-named like the atomic
 * writer's (`.upload.<12 hex>.tmp`), so the content index never sees them and a crash leaves nothing a restart does
 * not remove (docs/files.md#uploads).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { InvalidArgumentError, PayloadTooLargeError } from "../errors.js";

export interface ReceivedFile {
  /** The part's file name as sent (not yet sanitised). */
  readonly originalName: string;
  readonly tempPath: string;
  readonly size: number;
}

export interface ReceivedUpload {
  readonly files: readonly ReceivedFile[];
  readonly fields: Readonly<Record<string, string>>;
}

export interface ReceiveOptions {
  /** Folder the temp files are written to (the upload's final folder, so the final rename stays on one disk). */
  readonly dir: string;
  /** Largest body and largest single file, in bytes. */
  readonly limitBytes: number;
  readonly maxFiles?: number;
}

export interface UploadStream {
  readonly stream: NodeJS.ReadableStream;
  readonly contentType: string | undefined;
  readonly contentLength: number | null;
}

const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 4096;
const MAX_NAME_BYTES = 1024;

function tooLarge(limitBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(limitBytes);
}

/** Removes temp files (errors ignored: they are garbage either way). */
export async function removeTemps(files: readonly ReceivedFile[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file.tempPath, { force: true })));
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Streams the body's file parts to temp files. Refuses a declared length over the limit before reading anything,
 * and stops at the limit otherwise (413); a body that is not multipart yields no files.
 */
export async function receiveUpload(source: UploadStream, options: ReceiveOptions): Promise<ReceivedUpload> {
  if (source.contentLength !== null && source.contentLength > options.limitBytes) throw tooLarge(options.limitBytes);
  const contentType = source.contentType ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return { files: [], fields: {} };

  const files: ReceivedFile[] = [];
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const writes: Array<Promise<void>> = [];
  let failure: unknown = null;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      limits: {
        fileSize: options.limitBytes,
        files: options.maxFiles ?? 32,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_BYTES,
        fieldNameSize: 256,
        parts: (options.maxFiles ?? 32) + MAX_FIELDS,
      },
    });
  } catch {
    throw new InvalidArgumentError({ message: "The multipart body cannot be read" });
  }

  let received = 0;
  parser.on("file", (_name, stream, info) => {
    if (failure !== null) {
      stream.resume();
      return;
    }
    const tempPath = path.join(options.dir, `.upload.${randomBytes(6).toString("hex")}.tmp`);
    const originalName = Buffer.byteLength(info.filename ?? "") > MAX_NAME_BYTES ? "" : (info.filename ?? "");
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      received += chunk.length;
      if (received > options.limitBytes && failure === null) {
        failure = tooLarge(options.limitBytes);
        stream.destroy(failure as Error);
      }
    });
    stream.on("limit", () => {
      failure ??= tooLarge(options.limitBytes);
    });
    const entry = { originalName, tempPath, size: 0 };
    files.push(entry);
    writes.push(
      pipeline(stream, createWriteStream(tempPath, { flags: "wx", mode: 0o644 }))
        .then(() => fsyncFile(tempPath))
        .then(() => {
          (entry as { size: number }).size = size;
        })
        .catch((error: unknown) => {
          failure ??= error;
        }),
    );
  });
  parser.on("field", (name, value, info) => {
    if (!info.valueTruncated && !Object.hasOwn(fields, name)) fields[name] = value;
  });

  try {
    await new Promise<void>((resolve, reject) => {
      parser.on("close", resolve);
      parser.on("error", (error) => reject(error));
      source.stream.on("error", reject);
      source.stream.on("aborted", () => reject(new InvalidArgumentError({ message: "The upload was interrupted" })));
      source.stream.pipe(parser);
    });
    await Promise.all(writes);
  } catch (error) {
    failure ??= error;
    await Promise.allSettled(writes);
  }
  if (failure !== null) {
    source.stream.unpipe?.(parser);
    await removeTemps(files);
    if (failure instanceof PayloadTooLargeError || failure instanceof InvalidArgumentError) throw failure;
    throw new InvalidArgumentError({ message: "The multipart body cannot be read" });
  }
  return { files, fields };
}
