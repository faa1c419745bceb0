/**
 * Upload bodies. Blobs and bytes go into a `FormData` (the runtime encodes it and knows its length); a stream is
 * sent as a multipart body built here and streamed as it is read, so nothing is held in memory.
 */
import type { UploadSource } from "./file-types.js";

export interface UploadPart {
  readonly source: UploadSource;
  readonly filename: string;
}

export type MultipartBody =
  | { readonly kind: "form"; readonly form: FormData }
  | { readonly kind: "stream"; readonly contentType: string; readonly stream: ReadableStream<Uint8Array> };

const MAX_FILENAME = 1024;

function isBlob(source: UploadSource): source is Blob {
  return typeof Blob !== "undefined" && source instanceof Blob;
}

function isBytes(source: UploadSource): source is ArrayBuffer | Uint8Array {
  return source instanceof ArrayBuffer || source instanceof Uint8Array;
}

/** The name a part is sent under: the caller's, else a `File`'s own; a TypeError when there is none. */
export function filenameOf(source: UploadSource, given: string | undefined): string {
  const ownName = typeof File !== "undefined" && source instanceof File ? source.name : undefined;
  const name = given ?? ownName ?? "";
  if (name === "") throw new TypeError("An upload needs a filename: pass { filename } or a File");
  if (name.length > MAX_FILENAME) throw new TypeError(`The filename is longer than ${MAX_FILENAME} characters`);
  return name;
}

/** Form fields and file names go into a quoted header value: quotes and line breaks escaped as browsers do. */
function quoted(value: string): string {
  return value.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

function blobOf(source: ArrayBuffer | Uint8Array | Blob): Blob {
  return isBlob(source) ? source : new Blob([source as BlobPart]);
}

async function* chunksOf(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in source) {
    for await (const chunk of source as AsyncIterable<Uint8Array>) yield chunk;
    return;
  }
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function randomBoundary(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return `----SheafUpload${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function streamedBody(parts: readonly UploadPart[], fields: Readonly<Record<string, string>>): MultipartBody {
  const boundary = randomBoundary();
  const encoder = new TextEncoder();
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const [name, value] of Object.entries(fields)) {
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
      );
    }
    for (const part of parts) {
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(part.filename)}"\r\n` +
          "Content-Type: application/octet-stream\r\n\r\n",
      );
      const { source } = part;
      if (isBlob(source)) yield* chunksOf(source.stream());
      else if (isBytes(source)) yield source instanceof Uint8Array ? source : new Uint8Array(source);
      else yield* chunksOf(source);
      yield encoder.encode("\r\n");
    }
    yield encoder.encode(`--${boundary}--\r\n`);
  }
  const iterator = body();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel(reason) {
      await iterator.throw(reason).catch(() => undefined);
    },
  });
  return { kind: "stream", contentType: `multipart/form-data; boundary=${boundary}`, stream };
}

/** The body of an upload: the form fields (`template`, `sort`) first, then each file as a part named `file`. */
export function multipartBody(
  parts: readonly UploadPart[],
  fields: Readonly<Record<string, string>> = {},
): MultipartBody {
  if (parts.some((part) => !isBlob(part.source) && !isBytes(part.source))) return streamedBody(parts, fields);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const part of parts) form.append("file", blobOf(part.source as Blob | ArrayBuffer | Uint8Array), part.filename);
  return { kind: "form", form };
}
