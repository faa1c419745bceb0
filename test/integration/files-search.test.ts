import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  NOACCESS,
  cleanUp,
  EDITOR,
  itemsOf,
  paginationOf,
  send,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";
import { postParts } from "./multipart-helper.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;
let editor: Client;

beforeAll(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
});

afterAll(cleanUp);

function ids(reply: { body: unknown }): unknown[] {
  return itemsOf(reply as never).map((item) => item["id"]);
}

describe("files search", () => {
  it("searches a page's files by their id and meta fields, case-insensitively", async () => {
    expect(ids(await admin.get("/api/pages/gallery/files/search?q=doc&select=id"))).toEqual(["gallery/c-doc.pdf"]);
    expect(ids(await admin.get("/api/pages/gallery/files/search?q=RECTANGLE&select=id"))).toEqual([
      "gallery/a-red.png",
    ]);
    // any word of the query is enough
    const both = await admin.get("/api/pages/gallery/files/search?q=red%20photo&select=id");
    expect(ids(both).sort()).toEqual(["gallery/a-red.png", "gallery/b-photo.jpg"]);
  });

  it("answers an empty collection on page 0 for a query under two characters", async () => {
    const reply = await admin.get("/api/pages/gallery/files/search?q=a");
    expect(itemsOf(reply)).toEqual([]);
    expect(paginationOf(reply)).toMatchObject({ page: 0, total: 0 });
  });

  it("takes a POST body as a collection query", async () => {
    const reply = await admin.request("POST", "/api/pages/gallery/files/search?select=id", {
      json: { search: { query: "png", options: { fields: ["id"] } } },
      withCsrf: true,
    });
    expect(ids(reply)).toEqual(["gallery/a-red.png"]);
    const limited = await admin.request("POST", "/api/pages/gallery/files/search?select=id", {
      json: { search: "pdf", limit: 1 },
      withCsrf: true,
    });
    // limit applies before the search: the first file is not the PDF
    expect(ids(limited)).toEqual([]);
  });

  it("searches the site's files and a user's files", async () => {
    expect(ids(await admin.get("/api/site/files/search?q=logo&select=id"))).toEqual(["logo.png"]);
    const png = await import("node:fs/promises").then((fs) =>
      fs.readFile(path.join(FILES_FIXTURE, "content", "4_gallery", "a-red.png")),
    );
    await postParts(site, editor, "/api/account/files", [{ name: "file", filename: "boarding-pass.png", body: png }]);
    expect(ids(await editor.get("/api/account/files/search?q=boarding&select=id"))).toEqual([
      "editor01/boarding-pass.png",
    ]);
    expect(ids(await admin.get("/api/users/editor01/files/search?q=boarding&select=id"))).toEqual([
      "editor01/boarding-pass.png",
    ]);
    expect((await editor.get("/api/users/admin001/files/search?q=profile")).status).toBe(404);
  });

  it("does not cross parents and needs a session with CSRF", async () => {
    expect(ids(await admin.get("/api/site/files/search?q=red&select=id"))).toEqual([]);
    expect((await admin.get("/api/pages/nope/files/search?q=red")).status).toBe(404);
    expect((await admin.get("/api/pages/..%2F/files/search?q=red")).status).toBe(404);
    expect((await send(site.sheaf, "GET", "/api/pages/gallery/files/search?q=red")).status).toBe(401);
    expect((await admin.request("POST", "/api/site/files/search", { json: { search: "logo" } })).status).toBe(401);
    const noAccess = await site.client().loginOrThrow(NOACCESS);
    expect((await noAccess.get("/api/site/files/search?q=logo")).status).toBe(401);
    expect((await noAccess.get("/api/account/files/search?q=logo")).status).toBe(401);
    expect((await admin.get("/api/users/..%2Fadmin001/files/search?q=logo")).status).toBe(404);
  });
});
