import path from "node:path";
import { utimes } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  itemsOf,
  paginationOf,
  send,
  startSite,
  UNAUTHENTICATED,
  type Client,
  type TestSite,
} from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const ORIGIN = "http://127.0.0.1:8081";

let site: TestSite;
let admin: Client;
let editor: Client;

beforeAll(async () => {
  site = await startSite({
    source: FILES_FIXTURE,
    exclude: ["content/3_bulk"],
    memorySessions: true,
    config: { url: ORIGIN },
  });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
});

afterAll(cleanUp);

function notFound(filename: string) {
  return {
    status: "error",
    message: `The file "${filename}" cannot be found`,
    code: 404,
    key: "error.file.notFound",
    details: [],
  };
}

describe("listing files", () => {
  it("lists a page's files by Sort, in the default view", async () => {
    const reply = await admin.get("/api/pages/gallery/files");
    expect(reply.status).toBe(200);
    const items = itemsOf(reply);
    expect(items.map((item) => item["filename"])).toEqual(["a-red.png", "b-photo.jpg", "c-doc.pdf"]);
    expect(items[0]).toMatchObject({
      id: "gallery/a-red.png",
      mime: "image/png",
      niceSize: "98\u00a0B",
      dimensions: { width: 4, height: 3, ratio: 4 / 3, orientation: "landscape" },
      template: "image",
      uuid: "file://redpng0000000001",
      prev: null,
      next: { filename: "b-photo.jpg", id: "gallery/b-photo.jpg" },
      options: { delete: true, changeTemplate: true },
    });
    expect(items[0]?.["url"]).toMatch(
      /^http:\/\/127\.0\.0\.1:8081\/media\/pages\/gallery\/[0-9a-f]{10}-\d+\/a-red\.png$/,
    );
    expect(items[2]).toMatchObject({ dimensions: { dimensions: null }, template: null, type: "document" });
  });

  it("paginates and selects", async () => {
    const reply = await admin.get("/api/pages/gallery/files?limit=1&page=2&select=filename");
    expect(itemsOf(reply)).toEqual([{ filename: "b-photo.jpg" }]);
    expect(paginationOf(reply)).toEqual({ page: 2, total: 3, offset: 1, limit: 1 });
  });

  it("reports page 0 for a page without files", async () => {
    const reply = await admin.get("/api/pages/notes/files");
    expect(paginationOf(reply)).toEqual({ page: 0, total: 0, offset: 0, limit: 100 });
  });

  it("lists the site's files", async () => {
    const reply = await admin.get("/api/site/files?select=id,parent");
    expect(itemsOf(reply)).toMatchObject([{ id: "logo.png", parent: { title: "Oracle Site", url: ORIGIN } }]);
  });

  it("answers 404 for an unknown page", async () => {
    expect((await admin.get("/api/pages/nope/files")).status).toBe(404);
  });

  it("needs a session and its CSRF token", async () => {
    const anonymous = await send(site.sheaf, "GET", "/api/pages/gallery/files");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    const noCsrf = await admin.request("GET", "/api/pages/gallery/files");
    expect(noCsrf.status).toBe(401);
  });
});

describe("reading one file", () => {
  it("finds a file case-insensitively and by file:// uuid", async () => {
    expect(dataOf(await admin.get("/api/pages/gallery/files/A-RED.PNG?select=id"))).toEqual({
      id: "gallery/a-red.png",
    });
    expect(dataOf(await admin.get("/api/pages/gallery/files/file%3A%2F%2Fredpng0000000001?select=id"))).toEqual({
      id: "gallery/a-red.png",
    });
  });

  it("reads site files by both routes", async () => {
    expect(dataOf(await admin.get("/api/site/files/logo.png?select=id"))).toEqual({ id: "logo.png" });
    expect(dataOf(await admin.get("/api/files/logo.png?select=id"))).toEqual({ id: "logo.png" });
  });

  it.each([
    ["/api/pages/gallery/files/missing.png", "missing.png"],
    ["/api/pages/gallery/files/logo.png", "logo.png"],
    ["/api/site/files/gallery%2Fa-red.png", "gallery/a-red.png"],
    ["/api/site/files/..%2F4_gallery%2Fa-red.png", "../4_gallery/a-red.png"],
    ["/api/site/files/..%2Fsite%2Fconfig%2Fconfig.json", "../site/config/config.json"],
    ["/api/pages/gallery/files/a-red.png.txt", "a-red.png.txt"],
    ["/api/pages/gallery/files/gallery.txt", "gallery.txt"],
    ["/api/site/files/site.txt", "site.txt"],
    ["/api/pages/gallery/files/file%3A%2F%2Fsitelogo00000001", "file://sitelogo00000001"],
  ])("does not leave the parent or show content files: %s", async (url, filename) => {
    const reply = await admin.get(url);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(notFound(filename));
  });

  it("shows the editor that only admins may delete images", async () => {
    const options = dataOf(await editor.get("/api/pages/gallery/files/a-red.png?select=options"))["options"];
    expect(options).toMatchObject({ delete: false, update: true });
    const pdf = dataOf(await editor.get("/api/pages/gallery/files/c-doc.pdf?select=options"))["options"];
    expect(pdf).toMatchObject({ delete: true, changeTemplate: false });
  });
});

describe("media URLs", () => {
  async function urlOf(apiPath: string): Promise<string> {
    return String(dataOf(await admin.get(`${apiPath}?select=url`))["url"]).slice(ORIGIN.length);
  }

  it("serves the file without a session, with validators and nosniff", async () => {
    const url = await urlOf("/api/pages/gallery/files/a-red.png");
    const reply = await site.sheaf.server.inject({ method: "GET", url });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toBe("image/png");
    expect(reply.headers["content-length"]).toBe("98");
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers["accept-ranges"]).toBe("bytes");
    expect(reply.rawPayload.subarray(1, 4).toString()).toBe("PNG");
    expect(reply.headers["set-cookie"]).toBeUndefined();
    expect(reply.headers["cache-control"]).toBeUndefined();

    const etag = String(reply.headers["etag"]);
    const again = await site.sheaf.server.inject({ method: "GET", url, headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const since = String(reply.headers["last-modified"]);
    const byDate = await site.sheaf.server.inject({ method: "GET", url, headers: { "if-modified-since": since } });
    expect(byDate.statusCode).toBe(304);
  });

  it("sends the Cache-Control of server.mediaCacheControl with files, ranges and revalidations", async () => {
    const immutable = "public, max-age=31536000, immutable";
    const cached = await startSite({
      source: FILES_FIXTURE,
      exclude: ["content/3_bulk"],
      memorySessions: true,
      config: { url: ORIGIN, server: { mediaCacheControl: immutable } },
    });
    const cachedAdmin = await cached.client().loginOrThrow(ADMIN);
    const reply = await cachedAdmin.get("/api/pages/gallery/files/a-red.png?select=url");
    const url = String(dataOf(reply)["url"]).slice(ORIGIN.length);
    const full = await cached.sheaf.server.inject({ method: "GET", url });
    expect(full.statusCode).toBe(200);
    expect(full.headers["cache-control"]).toBe(immutable);
    const part = await cached.sheaf.server.inject({ method: "GET", url, headers: { range: "bytes=0-3" } });
    expect(part.statusCode).toBe(206);
    expect(part.headers["cache-control"]).toBe(immutable);
    const etag = String(full.headers["etag"]);
    const again = await cached.sheaf.server.inject({ method: "GET", url, headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.headers["cache-control"]).toBe(immutable);
    // API answers keep their own caching rules
    expect(reply.headers["cache-control"]).toBe("no-store, private");
  });

  it("answers ranges with 206 and unsatisfiable ones with 416", async () => {
    const url = await urlOf("/api/pages/gallery/files/c-doc.pdf");
    const part = await site.sheaf.server.inject({ method: "GET", url, headers: { range: "bytes=0-7" } });
    expect(part.statusCode).toBe(206);
    expect(part.headers["content-range"]).toBe("bytes 0-7/265");
    expect(part.body).toBe("%PDF-1.4");
    const tail = await site.sheaf.server.inject({ method: "GET", url, headers: { range: "bytes=-4" } });
    expect(tail.headers["content-range"]).toBe("bytes 261-264/265");
    const beyond = await site.sheaf.server.inject({ method: "GET", url, headers: { range: "bytes=999-" } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers["content-range"]).toBe("bytes */265");
  });

  it("redirects an outdated hash and refuses wrong ones with the site's 404 page", async () => {
    const url = await urlOf("/api/pages/gallery/files/a-red.png");
    const [, , , , hash = ""] = url.split("/");
    const token = hash.slice(0, 10);
    const outdated = await site.sheaf.server.inject({
      method: "GET",
      url: `/media/pages/gallery/${token}-1000000000/a-red.png`,
    });
    expect(outdated.statusCode).toBe(307);
    expect(outdated.headers["location"]).toBe(`${ORIGIN}${url}`);
    for (const wrong of [
      "/media/pages/gallery/0000000000-1000000000/a-red.png",
      `/media/pages/gallery/${hash}/b-photo.jpg`,
      `/media/pages/gallery/${hash}/a-red.png.txt`,
      `/media/pages/gallery/${hash}/..%2F..%2Fsite.txt`,
      `/media/pages/gallery/${hash}/../a-red.png`,
      "/media/pages/nope/0000000000-1000000000/a-red.png",
      "/media/site/",
    ]) {
      const reply = await site.sheaf.server.inject({ method: "GET", url: wrong });
      expect(reply.statusCode, wrong).toBe(404);
      expect(String(reply.headers["content-type"])).toMatch(/^text\/html/);
    }
  });

  it("changes the hash when the file changes", async () => {
    const before = await urlOf("/api/site/files/logo.png");
    const file = path.join(site.root, "content", "logo.png");
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    await site.sheaf.services.content.refresh(path.join(site.root, "content"));
    const after = await urlOf("/api/site/files/logo.png");
    expect(after).not.toBe(before);
    expect((await site.sheaf.server.inject({ method: "GET", url: before })).statusCode).toBe(307);
    expect((await site.sheaf.server.inject({ method: "GET", url: after })).statusCode).toBe(200);
  });

  it("sends a sandboxing policy with SVG", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      path.join(site.root, "content", "icon.svg"),
      '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><script>alert(1)</script></svg>',
    );
    await site.sheaf.services.content.refresh(path.join(site.root, "content"));
    const url = await urlOf("/api/site/files/icon.svg");
    const reply = await site.sheaf.server.inject({ method: "GET", url });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toBe("image/svg+xml");
    expect(String(reply.headers["content-security-policy"])).toContain("sandbox");
  });
});
