/**
 * File types and MIME types by extension, as Kirby groups them (`image`, `document`, `archive`, `audio`, `video`,
 * `code`, else `unknown`).
 */

const TYPES: Readonly<Record<string, readonly string[]>> = {
  archive: ["gz", "gzip", "tar", "tgz", "zip"],
  audio: ["aif", "aiff", "m4a", "midi", "mp3", "wav"],
  code: ["css", "js", "json", "java", "htm", "html", "php", "rb", "py", "scss", "xml", "yaml", "yml"],
  document: [
    "csv",
    "doc",
    "docx",
    "dotx",
    "indd",
    "md",
    "mdown",
    "pdf",
    "ppt",
    "pptx",
    "rtf",
    "txt",
    "xl",
    "xls",
    "xlsx",
    "xltx",
  ],
  image: [
    "ai",
    "avif",
    "bmp",
    "gif",
    "eps",
    "ico",
    "j2k",
    "jp2",
    "jpeg",
    "jpg",
    "jpe",
    "png",
    "ps",
    "psd",
    "svg",
    "tif",
    "tiff",
    "webp",
  ],
  video: ["avi", "flv", "m4v", "mov", "movie", "mpe", "mpg", "mp4", "ogg", "ogv", "swf", "webm"],
};

const TYPE_BY_EXTENSION: ReadonlyMap<string, string> = new Map(
  Object.entries(TYPES).flatMap(([type, extensions]) => extensions.map((extension) => [extension, type] as const)),
);

const MIME_BY_EXTENSION: ReadonlyMap<string, string> = new Map([
  ["aif", "audio/x-aiff"],
  ["aiff", "audio/x-aiff"],
  ["avi", "video/x-msvideo"],
  ["avif", "image/avif"],
  ["bmp", "image/bmp"],
  ["css", "text/css"],
  ["csv", "text/csv"],
  ["doc", "application/msword"],
  ["docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["gif", "image/gif"],
  ["gz", "application/gzip"],
  ["htm", "text/html"],
  ["html", "text/html"],
  ["ico", "image/x-icon"],
  ["jpe", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["jpg", "image/jpeg"],
  ["js", "application/javascript"],
  ["json", "application/json"],
  ["m4a", "audio/mp4"],
  ["m4v", "video/mp4"],
  ["md", "text/markdown"],
  ["mov", "video/quicktime"],
  ["mp3", "audio/mpeg"],
  ["mp4", "video/mp4"],
  ["mpeg", "video/mpeg"],
  ["mpg", "video/mpeg"],
  ["ogg", "audio/ogg"],
  ["ogv", "video/ogg"],
  ["pdf", "application/pdf"],
  ["png", "image/png"],
  ["ppt", "application/vnd.ms-powerpoint"],
  ["pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  ["psd", "image/vnd.adobe.photoshop"],
  ["rtf", "application/rtf"],
  ["svg", "image/svg+xml"],
  ["tar", "application/x-tar"],
  ["tgz", "application/gzip"],
  ["tif", "image/tiff"],
  ["tiff", "image/tiff"],
  ["txt", "text/plain"],
  ["wav", "audio/wav"],
  ["webm", "video/webm"],
  ["webp", "image/webp"],
  ["xls", "application/vnd.ms-excel"],
  ["xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["xml", "application/xml"],
  ["yaml", "application/yaml"],
  ["yml", "application/yaml"],
  ["zip", "application/zip"],
]);

/** Extensions whose dimensions are read. */
const MEASURED_EXTENSIONS: ReadonlySet<string> = new Set([
  "avif",
  "bmp",
  "gif",
  "ico",
  "jpe",
  "jpeg",
  "jpg",
  "png",
  "psd",
  "svg",
  "tif",
  "tiff",
  "webp",
]);

/** Lower-case extension without the dot; "" when the name has none (a leading dot is not one). */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot <= 0 ? "" : filename.slice(dot + 1).toLowerCase();
}

/** The name without its extension (`a-red.png` ⇒ `a-red`). */
export function nameOf(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot <= 0 ? filename : filename.slice(0, dot);
}

export function fileTypeOf(extension: string): string {
  return TYPE_BY_EXTENSION.get(extension.toLowerCase()) ?? "unknown";
}

export function mimeOf(extension: string): string {
  return MIME_BY_EXTENSION.get(extension.toLowerCase()) ?? "application/octet-stream";
}

/** The extension Kirby gives a MIME type (for uploads without one), or "". */
export function extensionForMime(mime: string): string {
  const preferred: Readonly<Record<string, string>> = { "image/jpeg": "jpg", "image/tiff": "tif", "text/plain": "txt" };
  if (Object.hasOwn(preferred, mime)) return preferred[mime] as string;
  for (const [extension, known] of MIME_BY_EXTENSION) if (known === mime) return extension;
  return "";
}

/** Every extension Kirby knows for a MIME type, in its table's order. */
export function extensionsForMime(mime: string): string[] {
  const wanted = mime.trim().toLowerCase();
  return [...MIME_BY_EXTENSION].filter(([, known]) => known === wanted).map(([extension]) => extension);
}

export function isMeasured(extension: string): boolean {
  return MEASURED_EXTENSIONS.has(extension);
}

/** Bytes with a no-break space before the unit, as Kirby's `niceSize` (`98 B`, `9.25 KB`). */
export function niceSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  if (bytes <= 0) return "0\u00a0B";
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1);
  const value = Math.round((bytes / 1024 ** exponent) * 100) / 100;
  return `${value}\u00a0${units[exponent]}`;
}
