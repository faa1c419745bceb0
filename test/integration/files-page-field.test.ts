import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, dataOf, startSite, type Client, type TestSite } from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
});

afterAll(cleanUp);

describe("a page's files in the page model", () => {
  it("lists the files in order and shows the cover as a picker item", async () => {
    const data = dataOf(await admin.get("/api/pages/gallery?select=files,content")) as {
      files: Array<Record<string, unknown>>;
      content: { cover: Array<Record<string, unknown>> };
    };
    expect(data.files.map((file) => file["id"])).toEqual([
      "gallery/a-red.png",
      "gallery/b-photo.jpg",
      "gallery/c-doc.pdf",
    ]);
    expect(data.content.cover).toHaveLength(1);
    expect(data.content.cover[0]).toMatchObject({
      id: "a-red.png",
      filename: "a-red.png",
      uuid: "file://redpng0000000001",
      dragText: "(image: file://redpng0000000001)",
      parent: "pages/gallery",
      template: "image",
      type: "image",
      mime: "image/png",
      url: data.files[0]?.["url"],
    });
  });

  it("leaves out references that name no file, another page's path or something else", async () => {
    const patched = await admin.request("PATCH", "/api/pages/gallery", {
      withCsrf: true,
      json: { cover: ["file://nosuchfile000001", "../1_notes/notes.txt", "b-photo.jpg", "gallery.txt", 7] },
    });
    expect(patched.status).toBe(200);
    const reply = await admin.get("/api/pages/gallery?select=content");
    const cover = (dataOf(reply) as { content: { cover: Array<Record<string, unknown>> } }).content.cover;
    expect(cover.map((item) => item["id"])).toEqual(["b-photo.jpg"]);
  });
});
