import path from "node:path";
import { readdir, readFile } from "node:fs/promises";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, EDITOR, startSite, type Client, type TestSite } from "./helpers.js";
import { BOUNDARY, multipart, type Part } from "./multipart-helper.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
});

afterAll(cleanUp);

async function post(client: Client | null, url: string, parts: readonly Part[] | null, headers = {}) {
  const response = await site.sheaf.server.inject({
    method: "POST",
    url,
    headers: {
      ...(client?.cookie ? { cookie: client.cookie } : {}),
      ...(client?.csrf ? { "x-csrf": client.csrf } : {}),
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      ...headers,
    },
    ...(parts === null ? {} : { payload: multipart(parts) }),
  });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body: body as Record<string, unknown> };
}

function gallery(name = ""): string {
  return path.join(site.root, "content", "4_gallery", name);
}

async function fixtureBytes(name: string): Promise<Buffer> {
  return readFile(path.join(FILES_FIXTURE, "content", "4_gallery", name));
}

/** Nothing but the files before the upload, their meta files and the content file; no temp files. */
async function galleryNames(): Promise<string[]> {
  return (await readdir(gallery())).sort();
}

const ORIGINAL = [
  "a-red.png",
  "a-red.png.txt",
  "b-photo.jpg",
  "b-photo.jpg.txt",
  "c-doc.pdf",
  "c-doc.pdf.txt",
  "gallery.txt",
];

describe("uploading", () => {
  it("stores a file with its meta file, named from the part, typed by its bytes", async () => {
    const png = await fixtureBytes("a-red.png");
    const reply = await post(admin, "/api/pages/gallery/files", [
      { name: "anything", filename: "Grün Bild.PNG", type: "application/octet-stream", body: png },
      { name: "template", body: "image" },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: "ok", data: { filename: "grun-bild.png", mime: "image/png" } });
    expect(reply.body).not.toHaveProperty("code");
    const meta = await readFile(gallery("grun-bild.png.txt"), "utf8");
    expect(meta).toMatch(/^Caption: \n\n----\n\nAlt: \n\n----\n\nUuid: [a-z0-9]{16}\n\n----\n\nTemplate: image$/);
  });

  it("derives a missing extension from the bytes", async () => {
    const reply = await post(admin, "/api/pages/gallery/files", [
      { name: "file", filename: "noext", body: await fixtureBytes("b-photo.jpg") },
    ]);
    expect(reply.body).toMatchObject({ data: { filename: "noext.jpg", mime: "image/jpeg" } });
  });

  it.each([
    ["shell.php", "<?php echo 1;", "You are not allowed to upload PHP files"],
    ["image.png.php", "<?php echo 1;", "You are not allowed to upload PHP files"],
    [".htaccess", "Options +ExecCGI", "You are not allowed to upload Apache config files"],
    [".hidden.png", "x", "You are not allowed to upload invisible files"],
    ["notes.txt", "Title: x", 'The extension "txt" is not allowed'],
    ["page.html", "<html><body>x</body></html>", "You are not allowed to upload HTML files"],
    ["run.sh", "#!/bin/sh\nrm -rf /", 'The extension "sh" is not allowed'],
    ["app.js", "alert(1)", "Invalid file type: code"],
    ["evil.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"],
    ["../../../site/config/config.json.png", "x", "does not match"],
    ["photo.jpg", "%PDF-1.4 not a photo", "does not match"],
  ])("refuses %s", async (filename, body, message) => {
    const reply = await post(admin, "/api/pages/gallery/files", [{ name: "file", filename, body }]);
    expect(reply.status).toBe(400);
    expect(reply.body["status"]).toBe("error");
    expect(String(reply.body["message"])).toContain(message.split(":")[0] ?? message);
    expect(await galleryNames()).toEqual(ORIGINAL);
    expect(await readdir(path.join(site.root, "site", "config")).catch(() => [])).not.toContain("config.json.png");
  });

  it("applies the template's accept rules (MIME by content, maxsize)", async () => {
    const pdf = await post(admin, "/api/pages/gallery/files", [
      { name: "file", filename: "doc.png", type: "image/png", body: await fixtureBytes("c-doc.pdf") },
      { name: "template", body: "image" },
    ]);
    expect(pdf.body).toEqual({ status: "error", message: "Invalid mime type: application/pdf" });
    const big = Buffer.concat([await fixtureBytes("a-red.png"), Buffer.alloc(4096)]);
    const tooLarge = await post(admin, "/api/pages/gallery/files", [
      { name: "file", filename: "big.png", body: big },
      { name: "template", body: "image" },
    ]);
    expect(tooLarge.body).toEqual({ status: "error", message: "The file is too large" });
    expect(await galleryNames()).toEqual(ORIGINAL);
  });

  it("refuses other bytes under an existing name and accepts identical ones", async () => {
    const same = await post(admin, "/api/pages/gallery/files", [
      { name: "file", filename: "a-red.png", body: await fixtureBytes("a-red.png") },
      { name: "template", body: "image" },
    ]);
    expect(same.status).toBe(200);
    const other = await post(admin, "/api/pages/gallery/files", [
      { name: "file", filename: "a-red.png", body: await fixtureBytes("b-photo.jpg") },
      { name: "template", body: "image" },
    ]);
    expect(other.body).toEqual({ status: "error", message: 'A file with the name "a-red.png" already exists' });
    expect(await readFile(gallery("a-red.png"))).toEqual(await fixtureBytes("a-red.png"));
  });

  it("answers 413 above api.maxUploadSize before storing anything", async () => {
    const small = await startSite({
      source: FILES_FIXTURE,
      exclude: ["content/3_bulk"],
      memorySessions: true,
      config: { api: { maxUploadSize: 1024 } },
    });
    const client = await small.client().loginOrThrow(ADMIN);
    site = small;
    const reply = await post(client, "/api/pages/gallery/files", [
      { name: "file", filename: "big.pdf", body: Buffer.alloc(4096, 1) },
    ]);
    expect(reply.status).toBe(413);
    expect(await galleryNames()).toEqual(ORIGINAL);
  });

  it("answers 400 without a file part and writes nothing", async () => {
    const fields = await post(admin, "/api/pages/gallery/files", [{ name: "template", body: "image" }]);
    expect(fields.status).toBe(400);
    expect(fields.body).toMatchObject({ key: "error.invalidArgument" });
    const json = await post(admin, "/api/pages/gallery/files", null, { "content-type": "application/json" });
    expect(json.status).toBe(400);
    expect(await galleryNames()).toEqual(ORIGINAL);
  });

  it("needs a session with its CSRF token, and a page that exists", async () => {
    const part = [{ name: "file", filename: "x.png", body: await fixtureBytes("a-red.png") }];
    expect((await post(null, "/api/pages/gallery/files", part)).status).toBe(401);
    const noCsrf = await post({ ...admin, csrf: null } as Client, "/api/pages/gallery/files", part);
    expect(noCsrf.status).toBe(401);
    expect((await post(admin, "/api/pages/nope/files", part)).status).toBe(404);
    expect(await galleryNames()).toEqual(ORIGINAL);
  });

  it("lets the editor upload", async () => {
    const editor = await site.client().loginOrThrow(EDITOR);
    const reply = await post(editor, "/api/pages/gallery/files?select=filename", [
      { name: "file", filename: "editor.png", body: await fixtureBytes("a-red.png") },
    ]);
    expect(reply.status).toBe(200);
  });
});

describe("replacing and deleting", () => {
  it("replaces the bytes, keeps the meta file and refuses another MIME type", async () => {
    const before = await readFile(gallery("a-red.png.txt"), "utf8");
    const jpeg = await post(admin, "/api/pages/gallery/files/a-red.png", [
      { name: "file", filename: "x.jpg", body: await fixtureBytes("b-photo.jpg") },
    ]);
    expect(jpeg.status).toBe(400);
    expect(jpeg.body).toMatchObject({ key: "error.file.mime.differs" });
    expect(await readFile(gallery("a-red.png"))).toEqual(await fixtureBytes("a-red.png"));
    const logo = await readFile(path.join(site.root, "content", "logo.png"));
    const png = await post(admin, "/api/pages/gallery/files/a-red.png", [{ name: "f", filename: "y.png", body: logo }]);
    expect(png.status).toBe(200);
    expect(await readFile(gallery("a-red.png"))).toEqual(logo);
    expect(await readFile(gallery("a-red.png.txt"), "utf8")).toBe(before);
  });

  it("deletes a file with its meta file, by blueprint role rules", async () => {
    const editor = await site.client().loginOrThrow(EDITOR);
    const refused = await editor.request("DELETE", "/api/pages/gallery/files/a-red.png", { withCsrf: true });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ message: "The file cannot be deleted", key: "error.permission" });
    const deleted = await admin.request("DELETE", "/api/pages/gallery/files/a-red.png", { withCsrf: true });
    expect(deleted.status).toBe(200);
    expect(await galleryNames()).toEqual(ORIGINAL.filter((name) => !name.startsWith("a-red")));
    const again = await admin.request("DELETE", "/api/pages/gallery/files/a-red.png", { withCsrf: true });
    expect(again.status).toBe(404);
    const meta = await admin.request("DELETE", "/api/pages/gallery/files/b-photo.jpg.txt", { withCsrf: true });
    expect(meta.status).toBe(404);
  });
});
