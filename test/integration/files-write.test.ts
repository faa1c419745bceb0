import path from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  itemsOf,
  listFolder,
  send,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;
let editor: Client;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
});

afterAll(cleanUp);

function gallery(name: string): string {
  return path.join(site.root, "content", "4_gallery", name);
}

function patch(client: Client, url: string, json: unknown) {
  return client.request("PATCH", url, { json, withCsrf: true });
}

describe("updating meta fields", () => {
  it("writes blueprint fields first, other keys in stored order, new keys last", async () => {
    expect((await patch(admin, "/api/pages/gallery/files/a-red.png", { caption: "New", alt: "Red" })).status).toBe(200);
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png?select=content", { credit: "Somebody" });
    expect(dataOf(reply)).toEqual({
      content: {
        caption: "New",
        alt: "Red",
        sort: "1",
        template: "image",
        uuid: "redpng0000000001",
        credit: "Somebody",
      },
    });
    expect(await readFile(gallery("a-red.png.txt"), "utf8")).toBe(
      "Caption: New\n\n----\n\nAlt: Red\n\n----\n\nSort: 1\n\n----\n\nTemplate: image\n\n----\n\nUuid: redpng0000000001\n\n----\n\nCredit: Somebody",
    );
  });

  it("refuses a UUID change and changes nothing", async () => {
    const before = await readFile(gallery("a-red.png.txt"), "utf8");
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png", { uuid: "other", caption: "x" });
    expect(reply.status).toBe(400);
    expect(await readFile(gallery("a-red.png.txt"), "utf8")).toBe(before);
  });

  it("refuses anonymous callers and a missing CSRF token", async () => {
    const anonymous = await send(site.sheaf, "PATCH", "/api/pages/gallery/files/a-red.png", { json: { alt: "x" } });
    expect(anonymous.status).toBe(401);
    const noCsrf = await admin.request("PATCH", "/api/pages/gallery/files/a-red.png", { json: { alt: "x" } });
    expect(noCsrf.status).toBe(401);
    expect(await readFile(gallery("a-red.png.txt"), "utf8")).toContain("Alt: Red");
  });

  it("lets the editor update", async () => {
    const reply = await patch(editor, "/api/pages/gallery/files/b-photo.jpg?select=content", { caption: "Ed" });
    expect(reply.status).toBe(200);
  });

  it("does not reach meta or content files as files", async () => {
    for (const name of ["a-red.png.txt", "gallery.txt", "..%2Fgallery.txt", "..%2F..%2Fsite.txt"]) {
      const reply = await patch(admin, `/api/pages/gallery/files/${name}`, { caption: "x" });
      expect(reply.status, name).toBe(404);
    }
  });
});

describe("renaming", () => {
  it("sanitises the name, keeps the extension and moves the meta file", async () => {
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png/name?select=filename,uuid", {
      name: "Rotes Quadrat Ü.jpg",
    });
    expect(dataOf(reply)).toEqual({ filename: "rotes-quadrat-u.jpg.png", uuid: "file://redpng0000000001" });
    expect((await listFolder(gallery(""))) ?? []).toEqual(
      expect.arrayContaining(["rotes-quadrat-u.jpg.png", "rotes-quadrat-u.jpg.png.txt"]),
    );
    expect(await listFolder(gallery(""))).not.toContain("a-red.png");
    expect((await admin.get("/api/pages/gallery/files/a-red.png")).status).toBe(404);
  });

  it.each([
    [{ name: "" }, "error.file.changeName.empty"],
    [{ name: "   " }, "error.file.changeName.empty"],
    [{ name: "..." }, "error.invalidArgument"],
  ])("refuses %j", async (body, key) => {
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png/name", body);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ key });
  });

  it("refuses the name of another file with the same extension, in any case", async () => {
    await writeFile(gallery("two.png"), await readFile(gallery("a-red.png")));
    await site.sheaf.services.content.refresh(gallery(""));
    for (const name of ["a-red", "A-Red", "a-red.png.txt".slice(0, 5)]) {
      const reply = await patch(admin, "/api/pages/gallery/files/two.png/name", { name });
      expect(reply.status, name).toBe(400);
      expect(reply.body).toMatchObject({
        key: "error.file.duplicate",
        message: 'A file with the name "a-red.png" already exists',
      });
    }
    expect(await listFolder(gallery(""))).toContain("two.png");
  });

  it("allows a name another file has with another extension", async () => {
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png/name?select=filename", { name: "b-photo" });
    expect(dataOf(reply)).toEqual({ filename: "b-photo.png" });
  });

  it.each(["../a-red", "..%2Fx", "/etc/passwd", ".htaccess"])("keeps %s inside the folder", async (name) => {
    const reply = await patch(admin, "/api/pages/gallery/files/a-red.png/name?select=filename", { name });
    if (reply.status === 200) expect(String(dataOf(reply)["filename"])).toMatch(/^[a-z0-9@_-][a-z0-9@._-]*\.png$/);
    else expect(reply.status).toBe(400);
    expect((await listFolder(path.join(site.root, "content")))?.some((entry) => entry.endsWith(".png.txt"))).toBe(true);
  });
});

describe("sorting", () => {
  it("writes Sort from the index and answers in the former order", async () => {
    const reply = await patch(admin, "/api/pages/gallery/files/sort?select=filename", {
      files: ["gallery/c-doc.pdf", "b-photo.jpg", "gallery/a-red.png"],
      index: 5,
    });
    expect(itemsOf(reply).map((item) => item["filename"])).toEqual(["a-red.png", "b-photo.jpg", "c-doc.pdf"]);
    expect(await readFile(gallery("c-doc.pdf.txt"), "utf8")).toBe("Sort: 6\n\n----\n\nUuid: docpdf0000000001");
    expect(await readFile(gallery("a-red.png.txt"), "utf8")).toContain("Sort: 8");
    expect(await readFile(gallery("b-photo.jpg.txt"), "utf8")).toContain("Sort: 2");
    const after = await admin.get("/api/pages/gallery/files?select=filename");
    expect(itemsOf(after).map((item) => item["filename"])).toEqual(["b-photo.jpg", "c-doc.pdf", "a-red.png"]);
  });

  it.each([{ files: ["gallery/a-red.png"] }, { files: [], index: "x" }, { index: 1.5 }])(
    "needs a whole index: %j",
    async (body) => {
      const reply = await patch(admin, "/api/pages/gallery/files/sort", body);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ key: "error.invalidArgument" });
      expect(await readFile(gallery("a-red.png.txt"), "utf8")).toContain("Sort: 1");
    },
  );
});
