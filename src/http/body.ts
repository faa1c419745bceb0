import type { ParsedBody } from "../api/handle.js";

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function fromSearchParams(params: URLSearchParams): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of params) values[key] = value;
  return values;
}

/**
 * Strict request body parsing (spec §2.1 with deviation d): form bodies are form fields; anything else must be
 * empty or valid JSON. A JSON object (or list) is the body; other JSON values give an empty body; text that is not
 * JSON is refused instead of being guessed at.
 */
export function parseBody(raw: Buffer | undefined, contentType: string | undefined): ParsedBody {
  const text = raw && raw.length ? raw.toString("utf8") : "";
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === "application/x-www-form-urlencoded") {
    return { ok: true, values: fromSearchParams(new URLSearchParams(text)) };
  }
  if (mediaType === "multipart/form-data") {
    return { ok: true, values: parseMultipartFields(raw ?? Buffer.alloc(0), contentType ?? "") };
  }
  if (text.trim() === "") return { ok: true, values: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "Invalid JSON in request body" };
  }
  if (typeof value === "object" && value !== null) {
    return { ok: true, values: Array.isArray(value) ? Object.fromEntries(value.map((item, index) => [String(index), item])) : (value as Record<string, unknown>) };
  }
  return { ok: true, values: {} };
}

/** Query parameters as PHP's `$_GET` sees them (last value wins). */
export function parseQuery(search: string): Record<string, string> {
  const values: Record<string, string> = {};
  if (search === "") return values;
  for (const [key, value] of new URLSearchParams(search)) values[key] = value;
  return values;
}

/**
 * The text fields of a `multipart/form-data` body (uploaded files are not fields and are left out). Parts without
 * a name, and a body without a boundary, give nothing.
 */
export function parseMultipartFields(raw: Buffer, contentType: string): Record<string, unknown> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2]?.trim();
  const values: Record<string, unknown> = {};
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
