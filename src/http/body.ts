import type { IncomingMessage } from "node:http";
import type { ParsedBody } from "../api/handle.js";
import { IncompleteBodyError, PayloadTooLargeError } from "../errors.js";

/** Deepest nesting of arrays and objects a JSON body may have (PHP's `json_decode` stops at the same depth). */
export const MAX_JSON_DEPTH = 512;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function fromSearchParams(params: URLSearchParams): Record<string, unknown> {
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of params) values[key] = value;
  return values;
}

/**
 * Strict request body parsing (docs/kirby-compat/routes-and-envelopes.md#request-bodies, rule d): form bodies are form
 * fields; anything else must be empty or valid JSON. A JSON object (or list) is the body; other JSON values give an
 * empty body; text that is not JSON is refused instead of being guessed at.
 */
export function parseBody(raw: Buffer | undefined, contentType: string | undefined): ParsedBody {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === "application/x-www-form-urlencoded") {
    return { ok: true, values: fromSearchParams(new URLSearchParams(raw?.length ? raw.toString("utf8") : "")) };
  }
  if (mediaType === "multipart/form-data") {
    return { ok: true, values: parseMultipartFields(raw ?? Buffer.alloc(0), contentType ?? "") };
  }
  let text: string;
  try {
    text = raw?.length ? strictUtf8.decode(raw) : "";
  } catch {
    return { ok: false, message: "The request body is not valid UTF-8" };
  }
  if (text.trim() === "") return { ok: true, values: {} };
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    return { ok: false, message: `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "Invalid JSON in request body" };
  }
  if (typeof value === "object" && value !== null) {
    return {
      ok: true,
      values: Array.isArray(value)
        ? Object.fromEntries(value.map((item, index) => [String(index), item]))
        : (value as Record<string, unknown>),
    };
  }
  return { ok: true, values: {} };
}

/**
 * Whether JSON text nests arrays/objects deeper than `limit`. `JSON.parse` has no depth limit, and everything that
 * walks a parsed value afterwards would recurse as deep, so the text is scanned first: one linear pass that only
 * counts brackets outside strings.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Reads a request body of at most `limit` bytes. A declared length over the limit is refused before any byte is
 * read; a body that grows past it while streaming stops being read at once.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off("data", onData);
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    // an aborted upload is the client's doing, not a server failure; and a promise must never wait for a dead socket
    request.on("error", () => reject(new IncompleteBodyError()));
    request.on("close", () => {
      if (!request.complete) reject(new IncompleteBodyError());
    });
  });
}

/** Bytes and time a refused request's unread body is still accepted (and thrown away) before the connection ends. */
const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

/**
 * Throws away the rest of a body the server answered without reading, so the client can finish sending and read
 * the answer: closing at once would reset the connection and lose the answer. Past a few megabytes or seconds the
 * connection is closed anyway, so a refused client cannot make the server swallow an endless upload.
 */
export function discardUnreadBody(request: IncomingMessage): void {
  if (request.complete || request.destroyed) return;
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(timer);
    request.off("data", count);
  };
  const count = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) {
      stop();
      request.destroy();
    }
  };
  const timer = setTimeout(() => {
    stop();
    request.destroy();
  }, DISCARD_MAX_MS);
  timer.unref();
  request.on("data", count);
  request.once("end", stop);
  request.once("close", stop);
  request.resume();
  lingerOnClose(request);
}

/**
 * When the connection is to end after the answer (`Connection: close`), Node closes the socket as soon as the
 * answer is written, and closing with unread bytes makes the kernel reset the connection, which can destroy the
 * answer before the client reads it. So the socket only half-closes (FIN after the answer) and is closed once the
 * client has finished sending, or the discard limits above end it.
 */
function lingerOnClose(request: IncomingMessage): void {
  const socket = request.socket as IncomingMessage["socket"] & { destroySoon?: () => void };
  if (typeof socket.destroySoon !== "function") return;
  socket.destroySoon = function lingeringDestroySoon(this: typeof socket): void {
    if (this.writable) this.end();
    if (request.complete) this.destroy();
    else request.once("end", () => this.destroy());
  };
}

/** Query parameters as PHP's `$_GET` sees them (last value wins). */
export function parseQuery(search: string): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  if (search === "") return values;
  const nextIndex = new Map<string, number>();
  for (const [key, value] of new URLSearchParams(search)) values[withListIndexes(key, nextIndex)] = value;
  return values;
}

/**
 * A query key with each empty bracket pair numbered as PHP numbers it (`select[]` twice is `select[0]` and
 * `select[1]`), so that repeated list entries are all kept.
 */
function withListIndexes(key: string, nextIndex: Map<string, number>): string {
  let at = key.indexOf("[]");
  if (at < 0) return key;
  let result = key;
  while (at >= 0) {
    const prefix = result.slice(0, at);
    const index = nextIndex.get(prefix) ?? 0;
    nextIndex.set(prefix, index + 1);
    result = `${prefix}[${index}]${result.slice(at + 2)}`;
    at = result.indexOf("[]", at);
  }
  return result;
}

/**
 * The text fields of a `multipart/form-data` body (uploaded files are not fields and are left out). Parts without
 * a name, and a body without a boundary, give nothing.
 */
export function parseMultipartFields(raw: Buffer, contentType: string): Record<string, unknown> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2]?.trim();
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (!boundary) return values;
  const text = raw.toString("latin1");
  for (const part of text.split(`--${boundary}`)) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || /\bfilename=/i.test(disposition)) continue;
    let body = part.slice(headerEnd + 4);
    if (body.endsWith("\r\n")) body = body.slice(0, -2);
    values[Buffer.from(name, "latin1").toString("utf8")] = Buffer.from(body, "latin1").toString("utf8");
  }
  return values;
}
