/**
 * Crash safety of uploads: a real `sheaf serve` process is killed with SIGKILL while upload bodies stream in. No
 * partial file may ever be visible, and the next start leaves no temp file behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, "..", "..");
const BIN = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");
const FILES_FIXTURE = path.resolve(HERE, "..", "conformance", "fixture-files");
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

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
}

function startServer(root: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", root, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("sheaf did not start within 20 s"));
    }, 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = / on http:\/\/[^\s"]+:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), exited });
      }
    });
    child.stderr?.resume();
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sheaf exited (${code}) before listening`));
    });
  });
}

async function prepareSite(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-upload-crash-"));
  roots.push(root);
  await cp(FILES_FIXTURE, root, {
    recursive: true,
    filter: (file) => !file.includes(`${path.sep}3_bulk`),
  });
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
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
    const root = await prepareSite();
    for (const sent of [200, 512 * 1024, 3 * 1024 * 1024]) {
      const server = await startServer(root);
      const request = startUpload(server.port, 4 * 1024 * 1024, sent);
      // wait until the server has started writing the temp file (or a moment for the shortest body)
      const writing = await waitFor(async () => (await temps(root)).length > 0, sent < 1024 ? 300 : 5_000);
      if (sent >= 1024) expect(writing, "the upload was being written when the server was killed").toBe(true);
      server.child.kill("SIGKILL");
      await server.exited;
      request.destroy();
      expect(await visible(root), `after a kill with ${sent} bytes sent`).toEqual(ORIGINAL);

      const restarted = await startServer(root);
      expect(await temps(root), `temp files after the restart (${sent} bytes sent)`).toEqual([]);
      expect(await visible(root)).toEqual(ORIGINAL);
      restarted.child.kill("SIGKILL");
      await restarted.exited;
    }
  });
});
