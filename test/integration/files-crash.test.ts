/**
 * Crash safety of uploads: a real `sheaf serve` process is killed with SIGKILL while upload bodies stream in. No
 * partial file may ever be visible, and the next start leaves no temp file behind.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { cleanUpCrashes, killServer, requireBuiltCli, startServer, tempSite } from "./crash-helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const BOUNDARY = "----SheafCrashBoundary";
const AUTH = `Basic ${Buffer.from("admin@example.com:AdminPass123!").toString("base64")}`;
const ORIGINAL = [
  "a-red.png",
  "a-red.png.txt",
  "b-photo.jpg",
  "b-photo.jpg.txt",
  "c-doc.pdf",
  "c-doc.pdf.txt",
  "gallery.txt",
];

afterAll(cleanUpCrashes);

async function prepareSite(): Promise<string> {
  const root = await tempSite("sheaf-upload-crash-", FILES_FIXTURE, (file) => file.includes(`${path.sep}3_bulk`));
  await mkdir(path.join(root, "site", "config"), { recursive: true });
  await writeFile(
    path.join(root, "site", "config", "config.json"),
    JSON.stringify({ api: { basicAuth: true, allowInsecure: true } }),
  );
  return root;
}

function galleryOf(root: string): string {
  return path.join(root, "content", "4_gallery");
}

async function visible(root: string): Promise<string[]> {
  return (await readdir(galleryOf(root))).filter((name) => !name.startsWith(".")).sort();
}

async function temps(root: string): Promise<string[]> {
  return (await readdir(galleryOf(root))).filter((name) => name.startsWith(".upload."));
}

/** Starts an upload of `size` bytes (declared in full) and sends only `sent` of them; the socket stays open. */
function startUpload(port: number, size: number, sent: number): http.ClientRequest {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const body = Buffer.concat([head, Buffer.alloc(size, 0x20), tail]);
  const request = http.request({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/api/pages/gallery/files",
    headers: {
      authorization: AUTH,
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      "content-length": String(body.length),
    },
  });
  request.on("error", () => undefined);
  request.write(body.subarray(0, Math.min(sent, body.length)));
  return request;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("uploads and SIGKILL", () => {
  it("never show a partial file, and the next start removes the temp files", { timeout: 120_000 }, async () => {
    requireBuiltCli();
    const root = await prepareSite();
    for (const sent of [200, 512 * 1024, 3 * 1024 * 1024]) {
      const server = await startServer(root);
      const request = startUpload(server.port, 4 * 1024 * 1024, sent);
      // wait until the server has started writing the temp file (or a moment for the shortest body)
      const writing = await waitFor(async () => (await temps(root)).length > 0, sent < 1024 ? 300 : 5_000);
      if (sent >= 1024) expect(writing, "the upload was being written when the server was killed").toBe(true);
      await killServer(server);
      request.destroy();
      expect(await visible(root), `after a kill with ${sent} bytes sent`).toEqual(ORIGINAL);

      const restarted = await startServer(root);
      expect(await temps(root), `temp files after the restart (${sent} bytes sent)`).toEqual([]);
      expect(await visible(root)).toEqual(ORIGINAL);
      await killServer(restarted);
    }
  });
});
