/**
 * The built browser SDK (`dist/client/*.js`, `sheaf/client`) at `/_sheaf/client/<module>.js`, so that a site's
 * pages can import it without a bundler (the starterkit's /app does). A path starting with `_` is never a page:
 * Kirby ignores folders starting with `_`. Only plain module names are served, from that one folder; when Sheaf runs
 * from its sources (no built `.js` beside this module's sibling folder) the path is simply not found.
 */
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PREFIX = "/_sheaf/client/";
const MODULE_NAME = /^[a-z][a-z0-9-]{0,63}\.js$/;
const DEFAULT_FOLDER = fileURLToPath(new URL("../client/", import.meta.url));

export function isClientAssetPath(url: string): boolean {
  return url.startsWith(PREFIX);
}

/** Answers a client module, or resolves to false when the path names none (the caller answers its 404). */
export async function sendClientAsset(
  request: IncomingMessage,
  response: ServerResponse,
  url: string,
  folder: string = DEFAULT_FOLDER,
): Promise<boolean> {
  const name = (url.split("?")[0] ?? "").slice(PREFIX.length);
  if (!MODULE_NAME.test(name)) return false;
  const file = path.join(folder, name);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch {
    return false;
  }
  if (!info.isFile()) return false;
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "no-cache",
    etag,
    "x-content-type-options": "nosniff",
  };
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, headers);
    response.end();
    return true;
  }
  const body = await readFile(file);
  response.writeHead(200, { ...headers, "content-length": String(body.length) });
  response.end(request.method === "HEAD" ? undefined : body);
  return true;
}
