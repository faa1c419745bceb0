/**
 * Section routes beyond fields sections (docs/kirby-compat/blueprints.md): a files section of a page, the site and a
 * user, the sections of a file's blueprint, a file's `blueprint` field, and who may read them.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  NO_PANEL_ACCESS,
  NOACCESS,
  send,
  startSite,
  UNAUTHENTICATED,
  type Client,
  type TestSite,
} from "./helpers.js";

const FIXTURE_FILES = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const ORIGIN = "http://127.0.0.1:8081";
const BARE_404 = { status: "error", message: "not found", code: 404 };

let site: TestSite;
let admin: Client;
let editor: Client;
let noaccess: Client;

interface SectionAnswer {
  status: string;
  code: number;
  name: string;
  type: string;
  data: Array<Record<string, unknown>>;
  errors: unknown;
  options: Record<string, unknown>;
  pagination: Record<string, number>;
}

beforeAll(async () => {
  site = await startSite({ source: FIXTURE_FILES, memorySessions: true, config: { url: ORIGIN } });
  const blueprints = path.join(site.root, "site", "blueprints");
  await writeFile(
    path.join(blueprints, "site.yml"),
    "title: Site\nsections:\n  logos:\n    type: files\n    max: 0\n  few:\n    type: files\n    limit: 1\n    min: 5\n    headline: Few files\n",
  );
  await mkdir(path.join(blueprints, "users"), { recursive: true });
  await writeFile(
    path.join(blueprints, "users", "editor.yml"),
    "title: Editor\npermissions:\n  access:\n    system: false\n    users: false\n  users: false\nsections:\n  avatar:\n    type: files\n  info:\n    type: info\n    text: Hello\n",
  );
  await writeFile(
    path.join(blueprints, "files", "image.yml"),
    'title: Image\naccept:\n  mime: image/png, image/jpeg\noptions:\n  delete:\n    admin: true\n    "*": false\nsections:\n  meta:\n    type: fields\n    fields:\n      caption:\n        type: text\n',
  );
  await site.sheaf.services.blueprints.reload();
  await copyFile(
    path.join(site.root, "content/4_gallery/a-red.png"),
    path.join(site.root, "site/accounts/editor01/profile.png"),
  );
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
  noaccess = await site.client().loginOrThrow(NOACCESS);
});

afterAll(cleanUp);

async function section(client: Client, url: string): Promise<SectionAnswer> {
  const reply = await client.get(url);
  expect(reply.status, url).toBe(200);
  return reply.body as SectionAnswer;
}

describe("a files section", () => {
  it("lists the page's files of the section's template as Panel items, in Kirby's order", async () => {
    const images = await section(admin, "/api/pages/gallery/sections/images");
    expect(images).toMatchObject({ status: "ok", code: 200, name: "images", type: "files", errors: [] });
    expect(images.data.map((item) => item["filename"])).toEqual(["a-red.png", "b-photo.jpg"]);
    expect(images.data[0]).toMatchObject({
      id: "a-red.png",
      uuid: "file://redpng0000000001",
      extension: "png",
      mime: "image/png",
      template: "image",
      parent: "pages/gallery",
      link: "/pages/gallery/files/a-red.png",
      text: "a-red.png",
      dragText: "(image: file://redpng0000000001)",
      permissions: { delete: true, sort: true },
    });
    expect(Object.keys(images.data[0] ?? {})).toEqual([
      "id",
      "image",
      "info",
      "link",
      "permissions",
      "text",
      "uuid",
      "dragText",
      "extension",
      "filename",
      "mime",
      "parent",
      "template",
      "url",
    ]);
    expect(images.pagination).toEqual({ limit: 20, offset: 0, page: 1, total: 2 });
    expect(images.options).toMatchObject({
      apiUrl: "pages/gallery/sections/images",
      headline: "Images",
      sortable: true,
      upload: { api: "pages/gallery/files", attributes: { sort: 3, template: "image" } },
    });
    expect(String(images.options["accept"]).split(",")).toEqual(expect.arrayContaining([".png", ".jpg", ".jpeg"]));

    const downloads = await section(admin, "/api/pages/gallery/sections/downloads");
    expect(downloads.data.map((item) => item["filename"])).toEqual(["a-red.png", "b-photo.jpg", "c-doc.pdf"]);
    expect(downloads.options["accept"]).toBeNull();
  });

  it("shows each item's permissions for the caller (the image blueprint lets only admins delete)", async () => {
    const images = await section(editor, "/api/pages/gallery/sections/images");
    expect(images.data.map((item) => item["permissions"])).toEqual([
      { delete: false, sort: true },
      { delete: false, sort: true },
    ]);
  });

  it("pages the site's files and reports min and max errors", async () => {
    const few = await section(admin, "/api/site/sections/few?page=1");
    expect(few.data.map((item) => item["filename"])).toEqual(["logo.png"]);
    expect(few.pagination).toEqual({ limit: 1, offset: 0, page: 1, total: 1 });
    expect(few.errors).toEqual({
      few: { label: "Few files", message: { min: 'The "Few files" section requires at least 5 files' } },
    });
    const beyond = await section(admin, "/api/site/sections/few?page=99");
    expect(beyond.pagination["page"]).toBe(1);
    const logos = await section(admin, "/api/site/sections/logos");
    expect(logos.options["max"]).toBeNull();
    expect(logos.errors).toEqual([]);
  });

  it("lists a user's avatar in the user's files section", async () => {
    const own = await section(editor, "/api/account/sections/avatar");
    expect(own.data.map((item) => item["filename"])).toEqual(["profile.png"]);
    expect(own.data[0]?.["parent"]).toBe("users/editor01");
    const byAdmin = await section(admin, "/api/users/editor01/sections/avatar");
    expect(byAdmin.options["apiUrl"]).toBe("users/editor01/sections/avatar");
    expect((await editor.get("/api/users/admin001/sections/avatar")).status).toBe(404);
  });

  it("answers Kirby's bare 404 for sections it does not serve and for unknown names", async () => {
    for (const url of [
      "/api/users/editor01/sections/info",
      "/api/pages/notes/sections/drafts",
      "/api/pages/gallery/sections/nope",
    ]) {
      const reply = await admin.get(url);
      expect(reply.status, url).toBe(404);
      expect(reply.body).toEqual(BARE_404);
    }
  });
});

describe("a file's blueprint", () => {
  it("is the file's blueprint field with options as written; there is no blueprint route of a file", async () => {
    const red = dataOf(await admin.get("/api/pages/gallery/files/a-red.png?select=blueprint")) as {
      blueprint: { name: string; options: Record<string, unknown>; tabs: Array<{ link: string }>; title: string };
    };
    expect(red.blueprint.name).toBe("files/image");
    expect(red.blueprint.title).toBe("Image");
    expect(red.blueprint.options["delete"]).toEqual({ admin: true, "*": false });
    expect(red.blueprint.options["update"]).toBeNull();
    expect(red.blueprint.tabs[0]?.link).toBe("/pages/gallery/files/a-red.png/?tab=main");
    const pdf = dataOf(await admin.get("/api/pages/gallery/files/c-doc.pdf?select=blueprint")) as {
      blueprint: unknown;
    };
    expect(pdf.blueprint).toMatchObject({ name: "files/default", tabs: [], title: "File" });
    for (const suffix of ["blueprint", "blueprints"]) {
      expect((await admin.get(`/api/pages/gallery/files/a-red.png/${suffix}`)).status).toBe(404);
    }
  });

  it("has section routes for files of pages, the site and users", async () => {
    const meta = await section(admin, "/api/pages/gallery/files/a-red.png/sections/meta");
    expect(meta).toMatchObject({ name: "meta", type: "fields" });
    expect(Object.keys((meta as unknown as { fields: object }).fields)).toEqual(["caption"]);
    expect((await admin.get("/api/pages/gallery/files/a-red.png/sections/nope")).body).toEqual(BARE_404);
    expect((await admin.get("/api/pages/gallery/files/nope.png/sections/meta")).status).toBe(404);
    expect((await admin.get("/api/site/files/logo.png/sections/meta")).status).toBe(404);
    expect((await editor.get("/api/account/files/profile.png/sections/meta")).status).toBe(404);
  });
});

describe("who may read sections", () => {
  it.each([
    "/api/pages/gallery/sections/images",
    "/api/site/sections/few",
    "/api/users/editor01/sections/avatar",
    "/api/account/sections/avatar",
    "/api/pages/gallery/files/a-red.png/sections/meta",
  ])("refuses %s to anonymous callers and roles without Panel access", async (url) => {
    const anonymous = await send(site.sheaf, "GET", url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    const refused = await noaccess.get(url);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(NO_PANEL_ACCESS);
  });
});
