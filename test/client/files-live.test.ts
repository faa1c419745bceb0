/**
 * The client's files and avatar methods against a real `sheaf serve` process (built, from dist/) on a copy of the
 * files fixture, over real HTTP: uploads from every kind of source, the media URLs they answer, and each method.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromPath } from "../../src/client-node/index.js";
import { createClient, SheafApiError, type ImageDimensions, type SheafClient } from "../../src/client/index.js";
import { PROJECT_ROOT, startLiveSite, type LiveSite } from "./live-site.js";

const ADMIN = { email: "admin@example.com", password: "AdminPass123!" };
const EDITOR = { email: "editor@example.com", password: "EditorPass123!" };

let site: LiveSite;
let admin: SheafClient;

/** Bytes on their own ArrayBuffer, as `Blob` and `File` take them. */
function own(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer);
}

function png(width: number, height: number, colour = "#3a7"): Promise<Uint8Array<ArrayBuffer>> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer()
    .then(own);
}

/** A PNG of noise: it does not compress, so it is as large as its pixels. */
function noisyPng(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  const pixels = randomBytes(width * height * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
    .then(own);
}

function jpeg(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  return sharp({ create: { width, height, channels: 3, background: "#c33" } })
    .jpeg()
    .toBuffer()
    .then(own);
}

async function rejection(promise: Promise<unknown>): Promise<SheafApiError> {
  const caught: unknown = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SheafApiError);
  return caught as SheafApiError;
}

/** The bytes a media URL serves, without any credentials. */
async function mediaBytes(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

beforeAll(async () => {
  site = await startLiveSite("fixture-files", { api: { basicAuth: true, allowInsecure: true } });
  admin = createClient({ url: site.url, auth: { type: "basic", ...ADMIN } });
});

afterAll(async () => {
  await site?.stop();
});

describe("reading files", () => {
  it("lists a page's files in the default view, by Sort, with pagination, select and view", async () => {
    const { data, pagination } = await admin.pages.files("gallery").list();
    expect(data.map((file) => file.filename)).toEqual(["a-red.png", "b-photo.jpg", "c-doc.pdf"]);
    expect(pagination).toEqual({ page: 1, total: 3, offset: 0, limit: 100 });
    const [red, , pdf] = data;
    expect(red).toMatchObject({
      id: "gallery/a-red.png",
      mime: "image/png",
      type: "image",
      template: "image",
      content: { caption: "A red rectangle", alt: "Red" },
      dimensions: { width: 4, height: 3, orientation: "landscape" },
      parent: { id: "gallery" },
      prev: null,
      next: { filename: "b-photo.jpg" },
      options: { update: true, delete: true },
    });
    expect(red?.url).toMatch(new RegExp(`^${site.url}/media/pages/gallery/[0-9a-f]{10}-\\d+/a-red\\.png$`));
    expect(pdf?.dimensions).toEqual({ dimensions: null });

    const second = await admin.pages.files("gallery").list({ select: ["filename", "size"], limit: 1, page: 2 });
    expect(second.data).toEqual([{ filename: "b-photo.jpg", size: 719 }]);
    expect(second.pagination).toMatchObject({ page: 2, total: 3, offset: 1, limit: 1 });
    const compact = await admin.pages.files("gallery").list({ view: "compact" });
    expect(Object.keys(compact.data[0] ?? {}).sort()).toEqual(["filename", "id", "link", "type", "url", "uuid"]);
  });

  it("reads one file, by any case of its name, and its media URL serves the bytes", async () => {
    const file = await admin.pages.files("gallery").get("B-Photo.JPG");
    expect(file).toMatchObject({
      filename: "b-photo.jpg",
      mime: "image/jpeg",
      size: 719,
      uuid: "file://photojpg00000001",
    });
    expect((await mediaBytes(file.url)).length).toBe(719);
    const picked = await admin.pages.files("gallery").get("a-red.png", { select: ["thumbs", "parents"] });
    expect(picked.parents.map((page) => page.id)).toEqual(["gallery"]);
    expect(picked.thumbs?.small).toMatch(/a-red-256x\.png$/);
  });

  it("reads the site's files and rejects a missing file with the server's error", async () => {
    const { data } = await admin.site.files.list({ select: ["id", "filename"] });
    expect(data).toEqual([{ id: "logo.png", filename: "logo.png" }]);
    const missing = await rejection(admin.pages.files("gallery").get("nope.png"));
    expect(missing).toMatchObject({ status: 404, key: "error.file.notFound" });
    await expect(admin.pages.files("gallery").get("")).rejects.toBeInstanceOf(TypeError);
  });
});

describe("searching files", () => {
  it("finds a page's files by meta field or id, best first, with select; options go in a POST body", async () => {
    const gallery = admin.pages.files("gallery");
    const names = async (found: Promise<{ data: readonly { filename: string }[] }>) =>
      (await found).data.map((file) => file.filename);
    expect(await names(gallery.search("red"))).toEqual(["a-red.png"]);
    expect(await names(gallery.search("doc"))).toEqual(["c-doc.pdf"]);
    expect(await names(gallery.search("x"))).toEqual([]);
    const { data, pagination } = await gallery.search("gradient", { select: ["filename", "template"] });
    expect(data).toEqual([{ filename: "b-photo.jpg", template: "image" }]);
    expect(pagination).toMatchObject({ page: 1, total: 1 });
    expect(await names(gallery.search("photo", { options: { fields: ["caption"] } }))).toEqual(["b-photo.jpg"]);
    expect(await names(gallery.search("photo", { options: { fields: ["alt"] } }))).toEqual([]);
    expect(await names(gallery.search("image", { limit: 1 }))).toHaveLength(1);
  });

  it("searches the site's and the account's files, and rejects an unknown page with the server's error", async () => {
    const { data } = await admin.site.files.search("logo", { select: ["id"] });
    expect(data).toEqual([{ id: "logo.png" }]);
    expect((await admin.account.files.search("anything")).data).toEqual([]);
    const missing = await rejection(admin.pages.files("nope").search("red"));
    expect(missing).toMatchObject({ status: 404, key: "error.page.notFound" });
  });
});

describe("changing files", () => {
  it("updates meta fields, renames (the extension stays) and sorts", async () => {
    const files = admin.pages.files("gallery");
    const updated = await files.update("b-photo.jpg", { caption: "Gradient, updated" });
    expect(updated.content).toMatchObject({ caption: "Gradient, updated", alt: "Gradient" });

    const renamed = await files.rename("b-photo.jpg", "Gradient Photo.png");
    expect(renamed).toMatchObject({
      filename: "gradient-photo.png.jpg",
      extension: "jpg",
      uuid: "file://photojpg00000001",
    });
    const back = await files.rename(renamed.filename, "b-photo");
    expect(back.filename).toBe("b-photo.jpg");

    const sorted = await files.sort({ files: ["gallery/c-doc.pdf", "gallery/b-photo.jpg", "gallery/a-red.png"] });
    // the answer is the listing as it was before the new order (as Kirby answers); reading again shows the new one
    expect(sorted.pagination.total).toBe(3);
    const after = await files.list({ select: ["filename"] });
    expect(after.data.map((file) => file.filename)).toEqual(["c-doc.pdf", "b-photo.jpg", "a-red.png"]);
    await files.sort({ files: ["gallery/a-red.png", "gallery/b-photo.jpg", "gallery/c-doc.pdf"], index: 0 });
  });
});

describe("uploading", () => {
  it("uploads a File, a Blob, bytes, a web stream, a Node stream and a file on disk, each served by its URL", async () => {
    const files = admin.pages.files("gallery");
    const sources = {
      file: await png(5, 5, "#101010"),
      blob: await png(6, 2, "#202020"),
      bytes: await png(3, 7, "#303030"),
      web: await png(4, 4, "#404040"),
      node: await png(7, 3, "#505050"),
      disk: await jpeg(9, 6),
    };
    const onDisk = path.join(site.root, "upload-source.jpg");
    await writeFile(onDisk, sources.disk);

    const uploaded = [
      await files.upload(new File([sources.file], "as-file.png", { type: "image/png" }), { template: "image" }),
      await files.upload(new Blob([sources.blob]), { filename: "as-blob.png" }),
      await files.upload(new Uint8Array(sources.bytes), { filename: "as-bytes.png", sort: 7 }),
      await files.upload(new Blob([sources.web]).stream(), { filename: "as-web-stream.png" }),
      await files.upload(Readable.from([sources.node.subarray(0, 10), sources.node.subarray(10)]), {
        filename: "as-node-stream.png",
      }),
      await files.upload(await fromPath(onDisk), { template: "image" }),
    ];
    expect(uploaded.map((file) => file.filename)).toEqual([
      "as-file.png",
      "as-blob.png",
      "as-bytes.png",
      "as-web-stream.png",
      "as-node-stream.png",
      "upload-source.jpg",
    ]);
    expect(uploaded[0]).toMatchObject({ template: "image", dimensions: { width: 5, height: 5 } });
    expect(uploaded[2]?.content).toMatchObject({ sort: "7" });
    expect(uploaded[4]?.dimensions).toMatchObject({ width: 7, height: 3 } satisfies Partial<ImageDimensions>);
    expect(uploaded[5]).toMatchObject({ mime: "image/jpeg", template: "image" });
    const expected = Object.values(sources);
    for (const [index, file] of uploaded.entries()) {
      expect((await mediaBytes(file.url)).equals(expected[index]!), file.filename).toBe(true);
    }
  });

  it("uploads several files at once and answers with all of them", async () => {
    const files = await admin.pages
      .files("gallery")
      .uploadMany(
        [
          { source: await png(2, 2), filename: "many-one.png" },
          { source: new File([await png(2, 3)], "many-two.png") },
        ],
        { template: "image" },
      );
    expect(files.map((file) => [file.filename, file.template]).sort()).toEqual([
      ["many-one.png", "image"],
      ["many-two.png", "image"],
    ]);
    const single = await admin.pages.files("gallery").uploadMany([{ source: await png(1, 1), filename: "alone.png" }]);
    expect(single.map((file) => file.filename)).toEqual(["alone.png"]);
  });

  it("rejects what the server refuses with its message, and a source without a name before sending", async () => {
    const files = admin.pages.files("gallery");
    const notPng = await rejection(files.upload(new TextEncoder().encode("just text"), { filename: "fake.png" }));
    expect(notPng.status).toBe(400);
    expect(notPng.message.length).toBeGreaterThan(0);
    const tooLarge = await rejection(files.upload(await noisyPng(64, 64), { filename: "big.png", template: "image" }));
    expect(tooLarge).toMatchObject({ status: 400, message: "The file is too large" });
    await expect(files.upload(new Blob([await png(1, 1)]))).rejects.toThrow(/needs a filename/);
    expect((await files.list({ select: ["filename"] })).data.map((file) => file.filename)).not.toContain("fake.png");
  });

  it("uploads with a session: the CSRF token goes along with the multipart body", async () => {
    const editor = createClient({ url: site.url });
    await editor.login(EDITOR);
    const file = await editor.pages.files("gallery").upload(new File([await png(3, 3)], "by-editor.png"));
    expect(file.filename).toBe("by-editor.png");
    await editor.logout();
    const anonymous = await rejection(
      createClient({ url: site.url })
        .pages.files("gallery")
        .upload(new File([await png(3, 3)], "anon.png")),
    );
    expect(anonymous).toMatchObject({ status: 401, key: "error.auth" });
  });

  it("replaces a file's bytes (same name, meta and UUID, new URL) and deletes files", async () => {
    const files = admin.pages.files("gallery");
    const before = await files.get("a-red.png");
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the media hash holds the modification second
    const replacement = await png(5, 5, "#ff0000");
    const replaced = await files.replace("a-red.png", replacement);
    expect(replaced).toMatchObject({
      filename: "a-red.png",
      uuid: before.uuid,
      content: { caption: "A red rectangle" },
    });
    expect(replaced.dimensions).toMatchObject({ width: 5, height: 5 });
    expect(replaced.url).not.toBe(before.url);
    expect((await mediaBytes(replaced.url)).equals(replacement)).toBe(true);
    const otherType = await rejection(files.replace("a-red.png", new TextEncoder().encode("%PDF-1.4\n%%EOF\n")));
    expect(otherType.status).toBe(400);

    await files.delete("as-blob.png");
    expect(await rejection(files.get("as-blob.png"))).toMatchObject({ status: 404, key: "error.file.notFound" });
    expect(await rejection(files.delete("as-blob.png"))).toMatchObject({ status: 404 });
  });

  it("uploads, lists and deletes the site's files", async () => {
    const uploaded = await admin.site.files.upload(new File([await png(6, 2)], "site-blue.png"));
    expect(uploaded).toMatchObject({ id: "site-blue.png", url: expect.stringContaining("/media/site/") });
    expect((await admin.site.files.list({ select: ["filename"] })).data).toContainEqual({ filename: "site-blue.png" });
    await admin.site.files.delete("site-blue.png");
    expect((await admin.site.files.list({ select: ["filename"] })).data).toEqual([{ filename: "logo.png" }]);
  });
});

describe("avatars", () => {
  it("sets, reads, replaces and removes a user's avatar, and the account's own", async () => {
    const avatar = admin.users.avatar("admin001");
    expect(await avatar.get()).toBeNull();
    const set = await avatar.set(await jpeg(8, 8));
    expect(set).toMatchObject({ filename: "profile.jpg", id: "admin001/profile.jpg", template: "avatar" });
    expect(await avatar.get()).toMatchObject({ filename: "profile.jpg", mime: "image/jpeg" });
    const user = await admin.users.get("admin001", { select: ["avatar"] });
    expect(user.avatar?.filename).toBe("profile-512x-crop.jpg");

    const mine = await admin.account.avatar.set(new File([await png(5, 5)], "me.png"));
    expect(mine).toMatchObject({ filename: "profile.png", mime: "image/png" });
    expect((await mediaBytes(mine.url)).subarray(1, 4).toString("latin1")).toBe("PNG");
    const refused = await rejection(admin.account.avatar.set(new TextEncoder().encode("%PDF-1.4\n%%EOF\n")));
    expect(refused).toMatchObject({ status: 400, message: "Invalid file type: document" });

    await admin.account.avatar.remove();
    expect(await admin.account.avatar.get()).toBeNull();
    expect(await rejection(admin.users.avatar("nobody00").get())).toMatchObject({ key: "error.user.notFound" });
  });
});

/** The `<!-- example: files -->` blocks of docs/client.md, in order. */
async function docsExamples(): Promise<string[]> {
  const text = await readFile(path.join(PROJECT_ROOT, "docs", "client.md"), "utf8");
  return text
    .split("<!-- example: files -->")
    .slice(1)
    .map((part) => /^\s*```js\n([\s\S]*?)\n```/.exec(part)?.[1] ?? "");
}

type AsyncFunctionConstructor = new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as AsyncFunctionConstructor;

describe("docs/client.md: files and avatars", () => {
  it("runs the section's examples as they stand", async () => {
    const blocks = await docsExamples();
    expect(blocks).toHaveLength(3);
    expect(blocks.every((block) => block.length > 0)).toBe(true);
    const photoPath = path.join(site.root, "docs-photo.jpg");
    await writeFile(photoPath, await jpeg(12, 8));
    const scope = { sheaf: admin, fromPath, createReadStream, photoPath, pngBytes: await png(4, 4) };
    // each block sees the names the blocks before it declared, as one script would
    const source = `${blocks.join("\n")}\nreturn { images, photo, renamed, uploaded, fromBytes, avatar, shown };`;
    const result = (await new AsyncFunction(...Object.keys(scope), source)(...Object.values(scope))) as Record<
      string,
      unknown
    >;
    expect(result["photo"]).toMatchObject({ filename: "b-photo.jpg" });
    expect(result["renamed"]).toMatchObject({ filename: "gradient.jpg", content: { alt: "A gradient" } });
    expect(result["uploaded"]).toMatchObject({ filename: "docs-photo.jpg", template: "image" });
    expect(result["fromBytes"]).toMatchObject({ filename: "badge.png" });
    expect(result["avatar"]).toMatchObject({ filename: "profile.jpg" });
    expect(result["shown"]).toMatch(/\/media\/users\/admin001\/[0-9a-f]{10}-\d+\/profile-512x-crop\.jpg$/);
    const order = (await admin.pages.files("gallery").list({ select: ["filename"] })).data.map((file) => file.filename);
    expect(order.indexOf("gradient.jpg")).toBeLessThan(order.indexOf("a-red.png"));
    expect((await admin.site.files.list({ select: ["filename"] })).data).not.toContainEqual({ filename: "copy.jpg" });
    expect(await admin.account.avatar.get()).toBeNull();
  });
});
