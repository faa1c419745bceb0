/**
 * Media URLs (docs/files.md#media-urls): `/media/pages/<page id>/<hash>/<filename>`, `/media/site/<hash>/<filename>`
 * and `/media/users/<user id>/<hash>/<filename>` serve the original file without a session, streamed, with
 * validators, ranges and long-lived caching (the hash changes whenever the file does). An outdated hash redirects
 * to the current URL; anything else that does not name a served file is left to the site (its 404 page).
 * No Cache-Control is sent (Kirby sends none, and the recorded answers have none): caches use the validators, and a
 * proxy or CDN in front may keep `/media/` answers for a year, since a changed file gets a new URL (docs/files.md).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SiteServices } from "../api/context.js";
import { fileId, findFile, mediaFolder, mediaToken, type FileModel, type FileParent } from "../api/views/file-model.js";
import type { Page } from "../content/types.js";
import { userParent } from "../api/routes/files-avatar.js";
import { extensionOf, mimeOf } from "../files/file-types.js";
import { resolveAvatarThumb } from "./media-avatar.js";
import { resolveThumb } from "./media-thumb.js";

const MEDIA_PREFIX = "/media/";
/** Longest media path looked at. */
const MAX_MEDIA_PATH = 2048;
const HASH = /^([0-9a-f]{10})-(\d{1,12})$/;
/** Types a browser could run as a document: sent with a sandboxing Content-Security-Policy. */
const ACTIVE_TYPES: ReadonlySet<string> = new Set([
  "image/svg+xml",
  "text/html",
  "application/xhtml+xml",
  "application/xml",
  "text/xml",
]);
const ACTIVE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

export function isMediaPath(url: string): boolean {
  return url.startsWith(MEDIA_PREFIX);
}

interface MediaTarget {
  readonly parent: FileParent;
  readonly hash: string;
  readonly filename: string;
}

function decodeSegment(segment: string): string | null {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded.includes("/") || decoded.includes("\\") || decoded.includes("\0") ? null : decoded;
  } catch {
    return null;
  }
}

function isDraft(page: Page): boolean {
  for (let current: Page | null = page; current; current = current.parent) if (current.status === "draft") return true;
  return false;
}

async function parseTarget(url: string, services: SiteServices): Promise<MediaTarget | null> {
  const path = url.split("?")[0] ?? "";
  if (path.length > MAX_MEDIA_PATH) return null;
  const raw = path.slice(MEDIA_PREFIX.length).split("/");
  const segments: string[] = [];
  for (const segment of raw) {
    const decoded = decodeSegment(segment);
    if (decoded === null || decoded === "" || decoded === "." || decoded === "..") return null;
    segments.push(decoded);
  }
  const [kind, ...rest] = segments;
  const filename = rest.pop();
  const hash = rest.pop();
  if (filename === undefined || hash === undefined) return null;
  if (kind === "site" && rest.length === 0) {
    return { parent: { kind: "site", site: services.content.site }, hash, filename };
  }
  if (kind === "users" && rest.length === 1) {
    const user = services.findUser(rest[0] as string);
    if (user === undefined || user.id !== rest[0]) return null;
    return { parent: await userParent(services, user), hash, filename };
  }
  if (kind === "pages" && rest.length > 0) {
    const page = services.content.findPage(rest.join("/"));
    if (page === undefined || isDraft(page)) return null;
    return { parent: { kind: "page", page }, hash, filename };
  }
  return null;
}

export type MediaOutcome =
  | { readonly kind: "file"; readonly model: FileModel }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "none" };

/** What a media URL names: a file to serve, the current URL of an outdated one, or nothing (`baseUrl` is asked for redirects only). */
export async function resolveMedia(url: string, services: SiteServices, baseUrl: () => string): Promise<MediaOutcome> {
  const target = await parseTarget(url, services);
  if (target === null) return { kind: "none" };
  const thumb = await resolveAvatarThumb(
    target.parent,
    target.hash,
    target.filename,
    services.content.site.dir,
    baseUrl,
  );
  if (thumb !== null) return thumb;
  const model = findFile(target.parent, target.filename);
  // the exact name only: another spelling is another URL
  if (model === undefined || model.file.filename !== target.filename) {
    return resolveThumb(target.parent, target.hash, target.filename, services.content.site.dir, baseUrl);
  }
  const match = HASH.exec(target.hash);
  const token = mediaToken(services.content.site.dir, fileId(model));
  if (match === null || match[1] !== token) return { kind: "none" };
  const current = `${token}-${Math.floor(model.file.mtimeMs / 1000)}`;
  if (target.hash !== current) {
    return {
      kind: "redirect",
      location: `${baseUrl()}/media/${mediaFolder(model.parent)}/${current}/${encodeURIComponent(model.file.filename)}`,
    };
  }
  return { kind: "file", model };
}

interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One `bytes=` range (`a-b`, `a-`, `-n`); null without a usable header, "unsatisfiable" past the end. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (header === undefined) return null;
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const length = Number(last);
    if (length === 0) return "unsatisfiable";
    return size === 0 ? "unsatisfiable" : { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== "" && Number(last) < start)) return "unsatisfiable";
  return { start, end };
}

function etagOf(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

function notModified(request: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch
      .split(",")
      .map((tag) => tag.trim().replace(/^W\//, ""))
      .some((tag) => tag === etag || tag === "*");
  }
  const ifModifiedSince = request.headers["if-modified-since"];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** Streams the file of a media URL (200, 206, 304 or 416); resolves once the answer is sent or the stream failed. */
export async function sendMediaFile(
  request: IncomingMessage,
  response: ServerResponse,
  model: FileModel,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<void> {
  const stats = await stat(model.file.root);
  const size = stats.size;
  const mime = mimeOf(extensionOf(model.file.filename));
  const etag = etagOf(size, stats.mtimeMs);
  const headers: Record<string, string> = {
    ...extraHeaders,
    "content-type": mime,
    "accept-ranges": "bytes",
    etag,
    "last-modified": new Date(stats.mtimeMs).toUTCString(),
    "x-content-type-options": "nosniff",
  };
  if (ACTIVE_TYPES.has(mime)) headers["content-security-policy"] = ACTIVE_POLICY;

  if (notModified(request, etag, stats.mtimeMs)) {
    delete headers["content-type"];
    response.writeHead(304, headers);
    response.end();
    return;
  }

  const ifRange = request.headers["if-range"];
  const rangeAllowed = ifRange === undefined || ifRange === etag;
  const range = rangeAllowed ? parseRange(request.headers["range"], size) : null;
  if (range === "unsatisfiable") {
    headers["content-range"] = `bytes */${size}`;
    headers["content-length"] = "0";
    response.writeHead(416, headers);
    response.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  headers["content-length"] = String(Math.max(0, end - start + 1));
  if (range !== null) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  response.writeHead(range === null ? 200 : 206, headers);
  if (request.method === "HEAD" || size === 0) {
    response.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(model.file.root, { start, end });
    stream.on("error", () => {
      response.destroy();
      resolve();
    });
    response.on("close", () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(response);
  });
}
