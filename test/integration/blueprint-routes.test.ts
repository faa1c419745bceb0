import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  EDITOR,
  goldenBody,
  NOACCESS,
  NO_PANEL_ACCESS,
  send,
  startSite,
  UNAUTHENTICATED,
  type Client,
  type TestSite,
} from "./helpers.js";

const FIXTURE_FILES = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const ORIGIN = "http://127.0.0.1:8081";

let site: TestSite;
let admin: Client;
let editor: Client;
let noaccess: Client;

beforeAll(async () => {
  site = await startSite({ source: FIXTURE_FILES, memorySessions: true, config: { url: ORIGIN } });
  const blueprints = path.join(site.root, "site", "blueprints");
  await mkdir(path.join(blueprints, "pages"), { recursive: true });
  await writeFile(
    path.join(blueprints, "pages", "tabbed.yml"),
    [
      "title: Tabbed",
      "status:",
      "  draft: Idea",
      "  listed:",
      "    label: Live",
      "    text: Out there",
      "  unlisted: false",
      "options:",
      "  changeTemplate: [note, default]",
      "  delete: { admin: true, '*': false }",
      "tabs:",
      "  content:",
      "    icon: text",
      "    columns:",
      "      - width: 2/3",
      "        fields:",
      "          body: { type: textarea, label: Body text }",
      "      - width: 1/3",
      "        sections:",
      "          children: { type: pages, templates: [note] }",
      "  seo:",
      "    fields:",
      "      meta: { type: text }",
      "  hidden: false",
    ].join("\n"),
  );
  await site.sheaf.services.blueprints.reload();
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
  noaccess = site.client();
  await noaccess.login(NOACCESS);
});

afterAll(cleanUp);

describe("blueprint routes against the Kirby recording (52)", () => {
  it.each([
    "/api/pages/notes/blueprint",
    "/api/pages/notes+first-note/blueprint",
    "/api/pages/about/blueprint",
    "/api/pages/gallery/blueprint",
    "/api/pages/notes/blueprints",
    "/api/pages/notes+first-note/blueprints",
    "/api/site/blueprint",
    "/api/site/blueprints",
    "/api/pages/nope/blueprint",
    "/api/pages/notes?select=blueprint,blueprints",
  ])("GET %s answers what Kirby answered", async (url) => {
    const reply = await admin.get(url);
    expect(reply.body).toEqual(await goldenBody("52-blueprints-pages-site.json", "GET", url, ORIGIN));
  });

  it.each(["/api/pages/gallery/blueprints?section=images", "/api/pages/notes/blueprints?section=drafts"])(
    "GET %s: a section that is not a pages section is a 404",
    async (url) => {
      const reply = await admin.get(url);
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ status: "error", code: 404, key: "error.section.notFound" });
    },
  );
});

describe("a blueprint with tabs, columns and page settings", () => {
  async function tabbedPage(): Promise<void> {
    const created = await admin.request("POST", "/api/pages/notes/children", {
      withCsrf: true,
      json: { slug: "tabbed", template: "tabbed", content: { title: "Tabbed" } },
    });
    expect([201, 200]).toContain(created.status);
  }

  it("renders tabs in order, columns with their fields section, status and options as written", async () => {
    await tabbedPage();
    const reply = await admin.get("/api/pages/notes+tabbed/blueprint");
    expect(reply.status, reply.text).toBe(200);
    const data = (reply.body as { data: Record<string, unknown> }).data;
    expect(data["name"]).toBe("pages/tabbed");
    expect(data["status"]).toEqual({
      draft: { label: "Idea", text: null },
      listed: { label: "Live", text: "Out there" },
    });
    expect(data["options"]).toMatchObject({ changeTemplate: ["note", "default"], delete: { admin: true, "*": false } });
    expect(data["tabs"]).toEqual([
      {
        icon: "text",
        columns: [
          {
            width: "2/3",
            sections: {
              "content-col-0-fields": {
                type: "fields",
                fields: { body: { type: "textarea", label: "Body text", name: "body", width: "1/1" } },
                name: "content-col-0-fields",
              },
            },
          },
          {
            width: "1/3",
            sections: { children: { type: "pages", templates: ["note"], name: "children" } },
          },
        ],
        label: "Content",
        link: "/pages/notes+tabbed/?tab=content",
        name: "content",
      },
      {
        columns: [
          {
            width: "1/1",
            sections: {
              "seo-fields": {
                type: "fields",
                fields: { meta: { type: "text", name: "meta", label: "Meta", width: "1/1" } },
                name: "seo-fields",
              },
            },
          },
        ],
        icon: null,
        label: "Seo",
        link: "/pages/notes+tabbed/?tab=seo",
        name: "seo",
      },
    ]);
  });

  it("lists the templates a page may change to and those of a pages section", async () => {
    expect((await admin.get("/api/pages/notes+tabbed/blueprints")).body).toEqual([
      { name: "tabbed", title: "Tabbed" },
      { name: "note", title: "Note" },
      { name: "default", title: "Default Page" },
    ]);
    expect((await admin.get("/api/pages/notes+tabbed/blueprints?section=children")).body).toEqual([
      { name: "note", title: "Note" },
    ]);
  });

  it("answers a fields section and refuses other sections with Kirby's bare 404", async () => {
    const fields = await admin.get("/api/pages/notes+tabbed/sections/seo-fields");
    expect(fields.body).toEqual({
      status: "ok",
      code: 200,
      name: "seo-fields",
      type: "fields",
      fields: { meta: { type: "text", name: "meta", label: "Meta", width: "1/1" } },
    });
    for (const name of ["children", "nope", "x".repeat(5000), "__proto__"]) {
      const reply = await admin.get(`/api/pages/notes+tabbed/sections/${name}`);
      expect(reply.status, name).toBe(404);
      expect(reply.body).toEqual({ status: "error", message: "not found", code: 404 });
    }
  });
});

describe("user and account blueprints", () => {
  it("renders the role's blueprint, or Kirby's default for a role without one", async () => {
    const editorBlueprint = await admin.get("/api/users/editor01/blueprint");
    expect((editorBlueprint.body as { data: unknown }).data).toEqual({
      name: "users/editor",
      options: {
        access: null,
        create: null,
        changeEmail: null,
        changeLanguage: null,
        changeName: null,
        changePassword: null,
        changeRole: null,
        delete: null,
        list: null,
        update: null,
      },
      tabs: [],
      title: "Editor",
    });
    const own = await admin.get("/api/account/blueprint");
    expect((own.body as { data: { name: string } }).data.name).toBe("default");
    expect((await admin.get("/api/users/admin001/blueprints")).body).toEqual([]);
  });

  it("answers 404 for users the caller may not see", async () => {
    const reply = await editor.get("/api/users/admin001/blueprint");
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ key: "error.user.notFound" });
    expect((await editor.get("/api/account/blueprint")).status).toBe(200);
  });
});

describe("who may read blueprints", () => {
  it("editors read page and site blueprints", async () => {
    expect((await editor.get("/api/pages/notes/blueprint")).status).toBe(200);
    expect((await editor.get("/api/site/blueprint")).status).toBe(200);
  });

  it.each([
    "/api/pages/notes/blueprint",
    "/api/pages/notes/blueprints",
    "/api/site/blueprint",
    "/api/site/blueprints",
    "/api/users/admin001/blueprint",
    "/api/account/blueprint",
    "/api/pages/gallery/sections/content",
  ])("refuses %s to anonymous callers and roles without Panel access", async (url) => {
    const anonymous = await send(site.sheaf, "GET", url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    const refused = await noaccess.get(url);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(NO_PANEL_ACCESS);
  });
});
