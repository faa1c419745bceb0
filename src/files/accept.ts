/**
 * What an upload is and whether it may be stored (docs/files.md#uploads): the MIME type from the bytes, the stored
 * name, the names and types Sheaf never stores, and a file blueprint's `accept` rules. Refusals are UploadRefusal
 * with Kirby's messages.
 */
import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import { imageSizeFromFile } from "image-size/fromFile";
import { extensionForMime, extensionOf, fileTypeOf, mimeOf, nameOf } from "./file-types.js";
import type { ImageDimensions } from "./types.js";

/** A refused upload: answered in the upload envelope (`{status: "error", message}`). */
export class UploadRefusal extends Error {}

const PHP_EXTENSIONS: ReadonlySet<string> = new Set([
  "php",
  "php3",
  "php4",
  "php5",
  "php7",
  "php8",
  "phtml",
  "phar",
  "phps",
  "pht",
]);
const HTML_EXTENSIONS: ReadonlySet<string> = new Set(["htm", "html", "xhtml", "shtml"]);
const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  "exe",
  "com",
  "bat",
  "cmd",
  "sh",
  "bash",
  "zsh",
  "csh",
  "ps1",
  "vbs",
  "msi",
  "dll",
  "so",
  "dylib",
  "jar",
  "cgi",
  "pl",
  "py",
  "rb",
  "js",
  "mjs",
  "cjs",
]);
const DEFAULT_TYPES: readonly string[] = ["image", "document", "archive", "audio", "video"];
const UNSAFE_SVG =
  /<script|\son[a-z]+\s*=|javascript:|<foreignobject|(?:xlink:)?href\s*=\s*["']?\s*(?:https?:|\/\/|data:(?!image\/))/i;
const MAX_SVG_BYTES = 1024 * 1024;

/** The MIME type of the stored bytes; the part's own Content-Type is not trusted. */
export async function detectMime(file: string, extension: string): Promise<string> {
  const sniffed = await fileTypeFromFile(file).catch(() => undefined);
  if (sniffed !== undefined) return sniffed.mime;
  const head = await readHead(file, 512);
  if (/^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(head)) return "image/svg+xml";
  if (/<\?php/i.test(head)) return "text/x-php";
  if (/^\s*<(?:!doctype html|html|head|body)[\s>]/i.test(head)) return "text/html";
  const byName = mimeOf(extension);
  return byName.startsWith("image/") || byName === "application/pdf" ? "application/octet-stream" : byName;
}

async function readHead(file: string, bytes: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString("latin1");
  } finally {
    await handle.close();
  }
}

export async function measureImage(file: string): Promise<ImageDimensions | null> {
  try {
    const { width, height } = await imageSizeFromFile(file);
    return width > 0 && height > 0 ? { width, height } : null;
  } catch {
    return null;
  }
}

/**
 * The name an upload is stored under: the part's name as a safe name (`makeSafe`), the extension lower-cased, or
 * taken from the MIME type when the name has none.
 */
export function uploadFilename(original: string, mime: string, makeSafe: (name: string) => string): string {
  const base = original.replace(/^.*[\\/]/, "");
  const extension = extensionOf(base);
  const name = makeSafe(extension === "" ? base : nameOf(base));
  const finalExtension = extension === "" ? extensionForMime(mime) : makeSafe(extension);
  if (base.startsWith(".")) return base.toLowerCase();
  return finalExtension === "" ? name : `${name}.${finalExtension}`;
}

/** Names and types Sheaf never stores, whatever the blueprint says. */
export function refuseDangerous(filename: string, mime: string, contentExtension: string): void {
  const extension = extensionOf(filename);
  if (filename === "" || nameOf(filename) === "") throw new UploadRefusal("The filename must not be empty");
  if (filename.toLowerCase().startsWith(".ht"))
    throw new UploadRefusal("You are not allowed to upload Apache config files");
  if (filename.startsWith(".")) throw new UploadRefusal("You are not allowed to upload invisible files");
  if (PHP_EXTENSIONS.has(extension) || mime === "text/x-php" || mime === "application/x-httpd-php") {
    throw new UploadRefusal("You are not allowed to upload PHP files");
  }
  if (extension === contentExtension.toLowerCase())
    throw new UploadRefusal(`The extension "${extension}" is not allowed`);
  if (HTML_EXTENSIONS.has(extension) || mime === "text/html")
    throw new UploadRefusal("You are not allowed to upload HTML files");
  if (EXECUTABLE_EXTENSIONS.has(extension) && fileTypeOf(extension) !== "code") {
    throw new UploadRefusal(`The extension "${extension}" is not allowed`);
  }
  if (mime === "application/x-msdownload" || mime === "application/x-elf" || mime === "application/x-mach-binary") {
    throw new UploadRefusal("You are not allowed to upload executable files");
  }
}

/** Extensions whose MIME type the bytes must show (sniffable binary formats). */
const SNIFFED_TYPES: ReadonlySet<string> = new Set(["image", "video", "audio"]);

/** Refuses bytes that are not what the extension claims (`x.png` holding text, a PDF named `.jpg`). */
export function refuseMismatch(filename: string, mime: string): void {
  const extension = extensionOf(filename);
  const expected = mimeOf(extension);
  const claimsBinary = SNIFFED_TYPES.has(fileTypeOf(extension)) || expected === "application/pdf";
  if (!claimsBinary || expected === "application/octet-stream" || extension === "svg") return;
  const sameFamily =
    expected === mime ||
    (expected.startsWith("audio/") && mime.startsWith("audio/")) ||
    (expected.startsWith("video/") && mime.startsWith("video/"));
  if (!sameFamily) {
    throw new UploadRefusal(`The extension "${extension}" does not match the file type "${mime}"`);
  }
}

/** Refuses an SVG with scripts, event handlers or external references. */
export async function refuseUnsafeSvg(file: string, size: number, mime: string): Promise<void> {
  if (mime !== "image/svg+xml") return;
  if (size > MAX_SVG_BYTES) throw new UploadRefusal("The SVG file is too large to be checked");
  const text = await readHead(file, size);
  if (UNSAFE_SVG.test(text)) throw new UploadRefusal("The SVG file contains scripts or external references");
}

function list(value: unknown): string[] | null {
  if (typeof value === "string")
    return value
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean);
  if (Array.isArray(value)) return value.map((item) => String(item).trim().toLowerCase()).filter(Boolean);
  return null;
}

function numberOf(value: unknown): number | null {
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : null;
}

function mimeAllowed(patterns: readonly string[], mime: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith("/*") ? mime.startsWith(pattern.slice(0, -1)) : pattern === mime,
  );
}

export interface UploadFacts {
  readonly filename: string;
  readonly mime: string;
  readonly size: number;
  readonly dimensions: ImageDimensions | null;
}

/** A file blueprint's `accept` rules (raw blueprint `accept`: a map, or `true`/absent for the defaults). */
export function checkAccept(accept: unknown, facts: UploadFacts): void {
  const rules =
    typeof accept === "object" && accept !== null && !Array.isArray(accept) ? (accept as Record<string, unknown>) : {};
  const extension = extensionOf(facts.filename);
  const type = fileTypeOf(extension);
  const mimes = list(rules["mime"]);
  const extensions = list(rules["extension"]);
  const types = list(rules["type"]);
  if (mimes !== null && !mimeAllowed(mimes, facts.mime)) throw new UploadRefusal(`Invalid mime type: ${facts.mime}`);
  if (extensions !== null && !extensions.includes(extension))
    throw new UploadRefusal(`Invalid extension: ${extension}`);
  const allowedTypes = types ?? (mimes === null && extensions === null ? DEFAULT_TYPES : null);
  if (allowedTypes !== null && !allowedTypes.includes(type)) throw new UploadRefusal(`Invalid file type: ${type}`);
  const maxsize = numberOf(rules["maxsize"]);
  if (maxsize !== null && facts.size > maxsize) throw new UploadRefusal("The file is too large");
  const minsize = numberOf(rules["minsize"]);
  if (minsize !== null && facts.size < minsize) throw new UploadRefusal("The file is too small");
  const size = facts.dimensions;
  if (size === null) return;
  const bound = (key: string, actual: number, tooBig: boolean, message: string): void => {
    const limit = numberOf(rules[key]);
    if (limit !== null && (tooBig ? actual > limit : actual < limit))
      throw new UploadRefusal(message.replace("{n}", String(limit)));
  };
  bound("maxwidth", size.width, true, "The width of the image must not exceed {n} pixels");
  bound("minwidth", size.width, false, "The width of the image must be at least {n} pixels");
  bound("maxheight", size.height, true, "The height of the image must not exceed {n} pixels");
  bound("minheight", size.height, false, "The height of the image must be at least {n} pixels");
  const orientation = typeof rules["orientation"] === "string" ? rules["orientation"].toLowerCase() : null;
  if (orientation !== null) {
    const actual = size.width === size.height ? "square" : size.width > size.height ? "landscape" : "portrait";
    if (actual !== orientation) throw new UploadRefusal(`The image must be in ${orientation} format`);
  }
}
