import path from "node:path";
import { readdir } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { thumbGenerations } from "../../src/files/thumbs.js";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, dataOf, nextSecond, send, startSite, type Client, type TestSite } from "./helpers.js";
import { postParts } from "./multipart-helper.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;

async function bigPng(): Promise<Buffer> {
  return sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
}

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
  await postParts(site, admin, "/api/pages/gallery/files", [
    { name: "file", filename: "big.png", body: await bigPng() },
  ]);
});

afterAll(cleanUp);

async function thumbsOf(name: string): Promise<Record<string, string>> {
  const reply = await admin.get(`/api/pages/gallery/files/${name}?select=thumbs`);
  return dataOf(reply)["thumbs"] as Record<string, string>;
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

async function get(url: string) {
  const response = await site.sheaf.server.inject({ method: "GET", url });
  return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
}

describe("thumbnails", () => {
  it("generates the sizes of the file model's thumbs on first request, into media/, without enlarging", async () => {
    const thumbs = await thumbsOf("big.png");
    const tiny = await get(pathOf(thumbs["tiny"] ?? ""));
    expect(tiny.status).toBe(200);
    expect(tiny.headers["content-type"]).toBe("image/png");
    expect(tiny.headers["x-content-type-options"]).toBe("nosniff");
    expect(await sharp(tiny.body).metadata()).toMatchObject({ width: 128, height: 85, format: "png" });
    const hashDir = path.join(site.root, "media", "pages", "gallery", pathOf(thumbs["tiny"] ?? "").split("/")[4] ?? "");
    expect(await readdir(hashDir)).toEqual(["big-128x.png"]);

    const huge = await get(pathOf(thumbs["huge"] ?? ""));
    expect((await sharp(huge.body).metadata()).width).toBe(1024);
    // a 4×3 image is never enlarged
    const small = await get(pathOf((await thumbsOf("a-red.png"))["medium"] ?? ""));
    expect(small.status).toBe(200);
    expect(await sharp(small.body).metadata()).toMatchObject({ width: 4, height: 3 });
  });

  it("crops to both sizes and serves a cached thumb with validators", async () => {
    const url = pathOf((await thumbsOf("big.png"))["tiny"] ?? "").replace("big-128x.png", "big-128x128-crop.png");
    const first = await get(url);
    expect(await sharp(first.body).metadata()).toMatchObject({ width: 128, height: 128 });
    const again = await site.sheaf.server.inject({
      method: "GET",
      url,
      headers: { "if-none-match": String(first.headers["etag"]) },
    });
    expect(again.statusCode).toBe(304);
  });

  it("generates a thumb once for concurrent first requests", async () => {
    const url = pathOf((await thumbsOf("big.png"))["large"] ?? "");
    const before = thumbGenerations();
    const replies = await Promise.all(Array.from({ length: 8 }, () => get(url)));
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    expect(new Set(replies.map((reply) => reply.body.toString("base64"))).size).toBe(1);
    expect(thumbGenerations() - before).toBe(1);
    await get(url);
    expect(thumbGenerations() - before).toBe(1);
    const hashDir = path.join(site.root, "media", "pages", "gallery", url.split("/")[4] ?? "");
    expect(await readdir(hashDir)).toEqual(["big-768x.png"]);
  });

  it("answers 404 for sizes no URL names, other files, wrong hashes and traversal names; 307 for an old hash", async () => {
    const tiny = pathOf((await thumbsOf("big.png"))["tiny"] ?? "");
    const hash = tiny.split("/")[4] ?? "";
    const base = `/media/pages/gallery/${hash}`;
    for (const name of [
      "big-100x.png",
      "big-128x5000.png",
      "big-128x-crop.png",
      "big-128x.jpg",
      "c-doc-128x.pdf",
      "nope-128x.png",
      "..%2Fbig-128x.png",
      "big.png.txt",
    ]) {
      expect((await get(`${base}/${name}`)).status, name).toBe(404);
    }
    expect((await get(`/media/pages/gallery/0000000000-${hash.split("-")[1]}/big-128x.png`)).status).toBe(404);
    const old = await get(`/media/pages/gallery/${hash.split("-")[0]}-1/big-128x.png`);
    expect(old.status).toBe(307);
    expect(String(old.headers["location"]).endsWith(tiny)).toBe(true);
    expect(await readdir(path.join(site.root, "media", "pages", "gallery")).catch(() => [])).toEqual([]);
  });

  it("does not serve thumbs of a draft's files to anonymous clients", async () => {
    const uploaded = await postParts(site, admin, "/api/pages/notes+secret-draft/files", [
      { name: "file", filename: "secret.png", body: await bigPng() },
    ]);
    expect(uploaded.status).toBe(200);
    const reply = await admin.get("/api/pages/notes+secret-draft/files/secret.png?select=thumbs");
    const tiny = pathOf((dataOf(reply)["thumbs"] as Record<string, string>)["tiny"] ?? "");
    expect(tiny).toMatch(/\/media\/pages\/notes\/secret-draft\/[0-9a-f]{10}-\d+\/secret-128x\.png$/);
    expect((await send(site.sheaf, "GET", tiny)).status).toBe(404);
  });

  it("removes the thumbs of a file that is replaced or deleted", async () => {
    const tiny = pathOf((await thumbsOf("big.png"))["tiny"] ?? "");
    await get(tiny);
    const folder = path.join(site.root, "media", "pages", "gallery");
    expect(await readdir(folder)).toHaveLength(1);
    // the media hash holds the modification time in seconds
    await nextSecond();
    const replaced = await postParts(site, admin, "/api/pages/gallery/files/big.png", [
      {
        name: "file",
        filename: "big.png",
        body: await sharp(await bigPng())
          .resize(600)
          .png()
          .toBuffer(),
      },
    ]);
    expect(replaced.status).toBe(200);
    expect(await readdir(folder)).toEqual([]);
    const next = pathOf((await thumbsOf("big.png"))["tiny"] ?? "");
    expect(next).not.toBe(tiny);
    await get(next);
    expect(await readdir(folder)).toHaveLength(1);
    expect((await admin.request("DELETE", "/api/pages/gallery/files/big.png", { withCsrf: true })).status).toBe(200);
    expect(await readdir(folder)).toEqual([]);
    expect((await get(next)).status).toBe(404);
  });
});
