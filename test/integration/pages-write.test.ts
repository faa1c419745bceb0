/**
 * What the page and site write routes do on disk (docs/kirby-compat/routes-and-envelopes.md–8.5): folder names after status changes and
 * renumbering, slug changes moving whole subtrees, template changes renaming the content file, deletion with and
 * without `force`, duplication as a draft with new UUIDs, and blueprint validation refusing bad input untouched.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Sheaf } from "../../src/app.js";
import { BULK_PAGES, cleanUp, copySite, startSite as startTestSite } from "./helpers.js";
import { parseTxt } from "../../src/content/txt.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VENDORED_FIXTURE = path.resolve(HERE, "..", "conformance", "fixture");
const FIXTURE = VENDORED_FIXTURE;
const ADMIN_AUTH = { authorization: `Basic ${Buffer.from("admin@example.com:AdminPass123!").toString("base64")}` };

interface Site {
  readonly root: string;
  readonly sheaf: Sheaf;
  /** Absolute path of a file or folder under `content/`. */
  content(relative: string): string;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await cleanUp();
});

/** Sheaf on a fresh copy of the fixture without its bulk pages; `prepare` may add files before it starts. */
async function startSite(prepare?: (root: string) => Promise<void>): Promise<Site> {
  const root = await copySite(FIXTURE, [BULK_PAGES]);
  await prepare?.(root);
  const { sheaf } = await startTestSite({ root, config: { api: { basicAuth: true, allowInsecure: true } } });
  return { root, sheaf, content: (relative) => path.join(root, "content", relative) };
}

async function writeBlueprint(root: string, name: string, yaml: string): Promise<void> {
  await writeFile(path.join(root, "site", "blueprints", name), yaml);
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly data: Record<string, unknown>;
}

async function call(site: Site, method: string, url: string, body?: unknown): Promise<Reply> {
  const response = await site.sheaf.server.inject({
    method: method as "GET",
    url: `/api/${url}`,
    headers: { ...ADMIN_AUTH, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  const parsed = JSON.parse(response.body) as Record<string, unknown>;
  return { status: response.statusCode, body: parsed, data: (parsed["data"] ?? {}) as Record<string, unknown> };
}

/** Like `call`, failing the test unless the answer is 200. */
async function ok(site: Site, method: string, url: string, body?: unknown): Promise<Reply> {
  const reply = await call(site, method, url, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply;
}

/** Every file below a folder of `content/`, as sorted paths relative to `content/` (dot files included). */
async function filesBelow(site: Site, relative = ""): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), name);
      else found.push(name);
    }
  };
  await walk(site.content(relative), relative);
  return found.sort();
}

/**
 * Page folder names of a folder: children, then drafts as `_drafts/<slug>`, each sorted. Dot folders (Sheaf's
 * empty journal folder) are not pages and are left out; `filesBelow` still sees any file left in them.
 */
async function folders(site: Site, relative = ""): Promise<string[]> {
  const names = (await readdir(site.content(relative), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && entry.name !== "_drafts" && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
  const drafts = existsSync(site.content(path.join(relative, "_drafts")))
    ? (await readdir(site.content(path.join(relative, "_drafts")))).sort().map((name) => `_drafts/${name}`)
    : [];
  return [...names, ...drafts];
}

async function contentOf(site: Site, relative: string): Promise<Record<string, string>> {
  return parseTxt(await readFile(site.content(relative), "utf8"));
}

async function treeHash(site: Site): Promise<string> {
  const hash = createHash("sha256");
  for (const file of await filesBelow(site)) hash.update(`${file}\n`).update(await readFile(site.content(file)));
  return hash.digest("hex");
}

describe("the CRUD flow recorded from Kirby (20-pages-crud)", () => {
  it("leaves the same files on disk as Kirby did at each checkpoint", async () => {
    const site = await startSite();
    const created = await ok(site, "POST", "pages/notes/children", {
      slug: "third-note",
      template: "note",
      content: { title: "Third Note", text: "Created through the API", date: "2024-05-01" },
    });
    expect(created.data).toMatchObject({
      id: "notes/third-note",
      num: null,
      status: "draft",
      template: "note",
      title: "Third Note",
    });
    const uuid = (created.data["content"] as Record<string, string>)["uuid"] ?? "";
    expect(uuid).toMatch(/^[a-z0-9]{16}$/);
    expect(created.data["uuid"]).toBe(`page://${uuid}`);
    expect(await filesBelow(site, "1_notes")).toEqual([
      "1_notes/1_first-note/note.txt",
      "1_notes/2_second-note/note.txt",
      "1_notes/_drafts/secret-draft/note.txt",
      "1_notes/_drafts/third-note/note.txt",
      "1_notes/notes.txt",
    ]);

    await ok(site, "PATCH", "pages/notes+third-note", { text: "Updated text", tags: ["x", "y"] });
    expect(await readFile(site.content("1_notes/_drafts/third-note/note.txt"), "utf8")).toBe(
      `Title: Third Note\n\n----\n\nDate: 2024-05-01\n\n----\n\nText: Updated text\n\n----\n\nTags: x, y\n\n----\n\nUuid: ${uuid}`,
    );

    const published = await ok(site, "PATCH", "pages/notes+third-note/status", { status: "listed", position: 3 });
    expect(published.data).toMatchObject({ num: 3, status: "listed" });
    expect(await filesBelow(site, "1_notes")).toEqual([
      "1_notes/1_first-note/note.txt",
      "1_notes/2_second-note/note.txt",
      "1_notes/3_third-note/note.txt",
      "1_notes/_drafts/secret-draft/note.txt",
      "1_notes/notes.txt",
    ]);

    await ok(site, "PATCH", "pages/notes+third-note/title", { title: "Third Note Renamed" });
    const renamed = await ok(site, "PATCH", "pages/notes+third-note/slug", { slug: "third-renamed" });
    expect(renamed.data).toMatchObject({
      id: "notes/third-renamed",
      num: 3,
      slug: "third-renamed",
      title: "Third Note Renamed",
    });
    const unlisted = await ok(site, "PATCH", "pages/notes+third-renamed/status", { status: "unlisted" });
    expect(unlisted.data).toMatchObject({ num: null, status: "unlisted" });

    const bogus = await call(site, "PATCH", "pages/notes+third-renamed/status", { status: "bogus" });
    expect(bogus.body).toEqual({
      status: "error",
      message: "Invalid status: bogus",
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
    const duplicate = await call(site, "POST", "pages/notes/children", {
      slug: "third-renamed",
      title: "dup",
      template: "note",
    });
    expect([duplicate.status, duplicate.body["key"]]).toEqual([400, "error.page.duplicate"]);
    const noSlug = await call(site, "POST", "pages/notes/children", { title: "No slug" });
    expect(noSlug.body).toEqual({
      status: "error",
      message: "The page slug is required",
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });

    const topTitle = await ok(site, "POST", "pages/notes/children", {
      slug: "top-title",
      title: "Top-level title",
      template: "note",
    });
    expect(topTitle.data["title"]).toBe("top-title");
    expect((topTitle.data["content"] as Record<string, unknown>)["title"]).toBeUndefined();
    const badSlug = await ok(site, "POST", "pages/notes/children", {
      slug: "Bad Slug!",
      template: "note",
      content: { title: "x" },
    });
    expect(badSlug.data["id"]).toBe("notes/bad-slug");
    const missing = await ok(site, "POST", "pages/notes/children", {
      slug: "tpl-missing",
      template: "does-not-exist",
      content: { title: "x" },
    });
    expect(missing.data["template"]).toBe("does-not-exist");

    expect((await call(site, "DELETE", "pages/notes+third-renamed")).body).toEqual({
      status: "ok",
      message: "ok",
      code: 200,
    });
    const gone = await call(site, "GET", "pages/notes+third-renamed");
    expect([gone.status, gone.body["message"]]).toEqual([404, 'The page "notes/third-renamed" cannot be found']);
    const hasChildren = await call(site, "DELETE", "pages/notes");
    expect(hasChildren.body).toEqual({
      status: "error",
      message: "The page has subpages and cannot be deleted",
      code: 400,
      key: "error.page.delete.hasChildren",
      details: [],
    });
    await ok(site, "DELETE", "pages/notes+top-title");
    expect(await filesBelow(site, "1_notes")).toEqual([
      "1_notes/1_first-note/note.txt",
      "1_notes/2_second-note/note.txt",
      "1_notes/_drafts/bad-slug/note.txt",
      "1_notes/_drafts/secret-draft/note.txt",
      "1_notes/_drafts/tpl-missing/does-not-exist.txt",
      "1_notes/notes.txt",
    ]);
  });
});

describe("status changes rename folders and renumber listed siblings", () => {
  it("publish at a position, re-sort, unlist and back to draft", async () => {
    const site = await startSite();
    const published = await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed", position: 1 });
    expect(published.data).toMatchObject({ id: "notes/secret-draft", num: 1, status: "listed" });
    expect(await folders(site, "1_notes")).toEqual(["1_secret-draft", "2_first-note", "3_second-note"]);

    const resorted = await ok(site, "PATCH", "pages/notes+second-note/status", { status: "listed", position: 1 });
    expect(resorted.data["num"]).toBe(1);
    expect(await folders(site, "1_notes")).toEqual(["1_second-note", "2_secret-draft", "3_first-note"]);

    await ok(site, "PATCH", "pages/notes+second-note/status", { status: "listed", position: 3 });
    expect(await folders(site, "1_notes")).toEqual(["1_secret-draft", "2_first-note", "3_second-note"]);

    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "unlisted" });
    expect(await folders(site, "1_notes")).toEqual(["1_first-note", "2_second-note", "secret-draft"]);

    const drafted = await ok(site, "PATCH", "pages/notes+first-note/status", { status: "draft" });
    expect(drafted.data).toMatchObject({ num: null, status: "draft" });
    expect(await folders(site, "1_notes")).toEqual(["1_second-note", "secret-draft", "_drafts/first-note"]);

    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "draft" });
    expect(await folders(site, "1_notes")).toEqual(["1_second-note", "_drafts/first-note", "_drafts/secret-draft"]);

    const listed = await ok(site, "GET", "pages/notes/children?status=all&select=id,num,status");
    expect(listed.body["data"]).toEqual([
      { id: "notes/second-note", num: 1, status: "listed" },
      { id: "notes/first-note", num: null, status: "draft" },
      { id: "notes/secret-draft", num: null, status: "draft" },
    ]);
  });

  it("keeps the content and UUID of a page through every move", async () => {
    const site = await startSite();
    const before = await readFile(site.content("1_notes/_drafts/secret-draft/note.txt"), "utf8");
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed", position: 2 });
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "unlisted" });
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "draft" });
    expect(await readFile(site.content("1_notes/_drafts/secret-draft/note.txt"), "utf8")).toBe(before);
  });

  it("appends at the end without a position and clamps positions out of range", async () => {
    const site = await startSite();
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed" });
    expect(await folders(site, "1_notes")).toEqual(["1_first-note", "2_second-note", "3_secret-draft"]);
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed", position: 0 });
    expect(await folders(site, "1_notes")).toEqual(["1_secret-draft", "2_first-note", "3_second-note"]);
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed", position: 99 });
    expect(await folders(site, "1_notes")).toEqual(["1_first-note", "2_second-note", "3_secret-draft"]);
  });

  it("removes an emptied _drafts folder once its last draft is published", async () => {
    const site = await startSite();
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "unlisted" });
    expect(existsSync(site.content("1_notes/_drafts"))).toBe(false);
  });

  it("renumbers top-level pages and moves their subtrees along", async () => {
    const site = await startSite();
    await ok(site, "PATCH", "pages/home/status", { status: "listed", position: 2 });
    expect(await folders(site)).toEqual(["1_notes", "2_home", "3_about", "error"]);
    await ok(site, "PATCH", "pages/notes/status", { status: "unlisted" });
    expect(await folders(site)).toEqual(["1_home", "2_about", "error", "notes"]);
    expect(await filesBelow(site, "notes")).toEqual([
      "notes/1_first-note/note.txt",
      "notes/2_second-note/note.txt",
      "notes/_drafts/secret-draft/note.txt",
      "notes/notes.txt",
    ]);
    expect((await ok(site, "GET", "pages/notes+first-note")).data["num"]).toBe(1);
  });

  it("creates a listed page at a position, shifting its siblings", async () => {
    const site = await startSite();
    const created = await ok(site, "POST", "pages/notes/children", {
      slug: "early",
      template: "note",
      isDraft: false,
      num: 1,
      content: { title: "Early" },
    });
    expect(created.data).toMatchObject({ id: "notes/early", status: "listed", num: 1 });
    expect(await folders(site, "1_notes")).toEqual([
      "1_early",
      "2_first-note",
      "3_second-note",
      "_drafts/secret-draft",
    ]);
    const unlisted = await ok(site, "POST", "pages/notes/children", {
      slug: "aside",
      template: "note",
      isDraft: false,
      content: { title: "Aside" },
    });
    expect(unlisted.data).toMatchObject({ status: "unlisted", num: null });
    expect(await folders(site, "1_notes")).toContain("aside");
  });

  it("refuses an unknown status and a status the blueprint does not offer", async () => {
    const site = await startSite(async (root) => {
      await writeBlueprint(
        root,
        "pages/note.yml",
        "title: Note\nstatus:\n  draft: true\n  listed: true\nfields:\n  text:\n    type: textarea\n",
      );
    });
    const before = await treeHash(site);
    const unknown = await call(site, "PATCH", "pages/notes+first-note/status", { status: "archived" });
    // an unknown status is Kirby's invalid argument; a known one the blueprint does not offer is status.invalid
    expect([unknown.status, unknown.body["key"], unknown.body["message"]]).toEqual([
      400,
      "error.invalidArgument",
      "Invalid status: archived",
    ]);
    const unoffered = await call(site, "PATCH", "pages/notes+first-note/status", { status: "unlisted" });
    expect([unoffered.status, unoffered.body["key"]]).toEqual([400, "error.page.status.invalid"]);
    expect(await treeHash(site)).toBe(before);
  });
});

/*
 * Below a draft parent, children keep the status of their own folder names (a draft's children are listed or
 * unlisted, as Kirby reads them), so numbering, renaming and moving to draft behave as anywhere else.
 */
describe("pages below a draft parent", () => {
  async function draftParentSite(): Promise<Site> {
    const site = await startSite();
    await ok(site, "PATCH", "pages/notes/status", { status: "draft" });
    expect(await folders(site, "_drafts/notes")).toEqual(["1_first-note", "2_second-note", "_drafts/secret-draft"]);
    return site;
  }

  it("a page published among them gets a number no sibling has", async () => {
    const site = await draftParentSite();
    await ok(site, "POST", "pages/notes/children", { slug: "third", template: "note", content: { title: "Third" } });
    await ok(site, "PATCH", "pages/notes+third/status", { status: "listed" });
    expect(await folders(site, "_drafts/notes")).toEqual([
      "1_first-note",
      "2_second-note",
      "3_third",
      "_drafts/secret-draft",
    ]);
  });

  it("a slug change keeps the number prefix", async () => {
    const site = await draftParentSite();
    await ok(site, "PATCH", "pages/notes+first-note/slug", { slug: "renamed" });
    expect(await folders(site, "_drafts/notes")).toEqual(["1_renamed", "2_second-note", "_drafts/secret-draft"]);
  });

  it("a listed child can be turned into a draft", async () => {
    const site = await draftParentSite();
    await ok(site, "PATCH", "pages/notes+first-note/status", { status: "draft" });
    expect(await folders(site, "_drafts/notes")).toEqual([
      "1_second-note",
      "_drafts/first-note",
      "_drafts/secret-draft",
    ]);
  });

  it("a draft parent moves back with its subtree intact", async () => {
    const site = await draftParentSite();
    await ok(site, "PATCH", "pages/notes/status", { status: "listed", position: 1 });
    expect(await folders(site)).toEqual(["1_notes", "2_about", "error", "home"]);
    expect(await folders(site, "1_notes")).toEqual(["1_first-note", "2_second-note", "_drafts/secret-draft"]);
  });
});

describe("slug changes", () => {
  it("move the folder with all descendants and drafts; ids follow, UUIDs stay", async () => {
    const site = await startSite();
    const before = await filesBelow(site, "1_notes");
    const reply = await ok(site, "PATCH", "pages/notes/slug", { slug: "journal" });
    expect(reply.data).toMatchObject({ id: "journal", slug: "journal", num: 1 });
    expect(existsSync(site.content("1_notes"))).toBe(false);
    expect(await filesBelow(site, "1_journal")).toEqual(before.map((file) => file.replace(/^1_notes/, "1_journal")));

    const child = await ok(site, "GET", "pages/journal+first-note");
    expect(child.data).toMatchObject({ id: "journal/first-note", uuid: "page://firstnote0000001" });
    expect((child.data["parent"] as Record<string, unknown>)["id"]).toBe("journal");
    expect((await ok(site, "GET", "pages/journal+secret-draft")).data["id"]).toBe("journal/secret-draft");
    expect((await call(site, "GET", "pages/notes+first-note")).status).toBe(404);
    expect((await call(site, "GET", "pages/notes")).status).toBe(404);
  });

  it("keep the folder kind: unlisted stays unnumbered, drafts stay in _drafts", async () => {
    const site = await startSite();
    await ok(site, "PATCH", "pages/notes+secret-draft/slug", { slug: "hidden" });
    expect(await folders(site, "1_notes")).toEqual(["1_first-note", "2_second-note", "_drafts/hidden"]);
    await ok(site, "POST", "site/children", { slug: "loose", isDraft: false, content: { title: "Loose" } });
    await ok(site, "PATCH", "pages/loose/slug", { slug: "tight" });
    expect(await folders(site)).toEqual(["1_notes", "2_about", "error", "home", "tight"]);
  });

  it("sanitise the new slug and refuse an empty one", async () => {
    const site = await startSite();
    const reply = await ok(site, "PATCH", "pages/notes+first-note/slug", { slug: "Ünïcode Title!" });
    expect(reply.data["slug"]).toBe("unicode-title");
    expect(await folders(site, "1_notes")).toContain("1_unicode-title");
    const before = await treeHash(site);
    const empty = await call(site, "PATCH", "pages/notes+unicode-title/slug", { slug: "!!!" });
    expect([empty.status, empty.body["key"]]).toEqual([400, "error.page.slug.invalid"]);
    expect(await treeHash(site)).toBe(before);
  });
});

describe("template changes", () => {
  it("rename the content file and keep its content", async () => {
    const site = await startSite(async (root) => {
      await writeBlueprint(
        root,
        "pages/note.yml",
        "title: Note\noptions:\n  changeTemplate:\n    - default\nfields:\n  date:\n    type: date\n  text:\n    type: textarea\n",
      );
    });
    const before = await readFile(site.content("1_notes/1_first-note/note.txt"), "utf8");
    const reply = await ok(site, "PATCH", "pages/notes+first-note/template", { template: "default" });
    expect(reply.data["template"]).toBe("default");
    expect(await filesBelow(site, "1_notes/1_first-note")).toEqual(["1_notes/1_first-note/default.txt"]);
    expect(await readFile(site.content("1_notes/1_first-note/default.txt"), "utf8")).toBe(before);
    expect((await ok(site, "GET", "pages/notes+first-note")).data["template"]).toBe("default");
  });

  it("refuse a template that is not allowed, changing nothing", async () => {
    const site = await startSite(async (root) => {
      await writeBlueprint(
        root,
        "pages/note.yml",
        "title: Note\noptions:\n  changeTemplate:\n    - default\nfields:\n  text:\n    type: textarea\n",
      );
    });
    const before = await treeHash(site);
    const reply = await call(site, "PATCH", "pages/notes+first-note/template", { template: "notes" });
    expect(reply.body).toEqual({
      status: "error",
      message: 'The template for the page "first-note" cannot be changed to "notes"',
      code: 400,
      key: "error.page.changeTemplate.invalid",
      details: [],
    });
    expect(await treeHash(site)).toBe(before);
  });
});

describe("deletion", () => {
  it("of a listed leaf closes the gap among its siblings", async () => {
    const site = await startSite();
    await ok(site, "PATCH", "pages/notes+secret-draft/status", { status: "listed" });
    await ok(site, "DELETE", "pages/notes+first-note");
    expect(await folders(site, "1_notes")).toEqual(["1_second-note", "2_secret-draft"]);
    expect((await call(site, "GET", "pages/notes+first-note")).status).toBe(404);
  });

  it("of a page with children needs force (in the body or the query), then removes the whole subtree", async () => {
    const site = await startSite();
    const before = await treeHash(site);
    const refused = await call(site, "DELETE", "pages/notes", { force: false });
    expect(refused.body["key"]).toBe("error.page.delete.hasChildren");
    expect(await treeHash(site)).toBe(before);
    await ok(site, "DELETE", "pages/notes", { force: true });
    expect(await folders(site)).toEqual(["1_about", "error", "home"]);
    for (const id of ["notes", "notes+first-note", "notes+secret-draft"])
      expect((await call(site, "GET", `pages/${id}`)).status).toBe(404);
  });

  it("accepts force in the query string", async () => {
    const site = await startSite();
    const response = await site.sheaf.server.inject({
      method: "DELETE",
      url: "/api/pages/notes?force=true",
      headers: ADMIN_AUTH,
    });
    expect(response.statusCode).toBe(200);
    expect(existsSync(site.content("1_notes"))).toBe(false);
  });

  it("a page with only drafts below it needs force too", async () => {
    const site = await startSite();
    await ok(site, "POST", "pages/about/children", { slug: "sketch", content: { title: "Sketch" } });
    expect((await call(site, "DELETE", "pages/about")).body["key"]).toBe("error.page.delete.hasChildren");
    await ok(site, "DELETE", "pages/about", { force: true });
    expect(existsSync(site.content("2_about"))).toBe(false);
  });

  it("of the last draft removes the _drafts folder", async () => {
    const site = await startSite();
    await ok(site, "DELETE", "pages/notes+secret-draft");
    expect(await readdir(site.content("1_notes"))).toEqual(expect.not.arrayContaining(["_drafts"]));
  });
});

describe("duplication", () => {
  it("copies a page as a draft sibling with a new UUID and the same content otherwise", async () => {
    const site = await startSite();
    const reply = await ok(site, "POST", "pages/notes+first-note/duplicate", { slug: "first-copy" });
    expect(reply.data).toMatchObject({ id: "notes/first-copy", status: "draft", num: null, template: "note" });
    const original = await contentOf(site, "1_notes/1_first-note/note.txt");
    const copy = await contentOf(site, "1_notes/_drafts/first-copy/note.txt");
    expect(copy["uuid"]).toMatch(/^[a-z0-9]{16}$/);
    expect(copy["uuid"]).not.toBe(original["uuid"]);
    expect(reply.data["uuid"]).toBe(`page://${copy["uuid"]}`);
    expect({ ...copy, uuid: "" }).toEqual({ ...original, uuid: "" });
    expect(await contentOf(site, "1_notes/1_first-note/note.txt")).toEqual(original);
  });

  it("names the copy <slug>-copy when no slug is given", async () => {
    const site = await startSite();
    const reply = await ok(site, "POST", "pages/about/duplicate", {});
    expect(reply.data["id"]).toBe("about-copy");
    expect(await folders(site)).toContain("_drafts/about-copy");
  });

  it("copies children and files only when asked, every copied page with its own new UUID", async () => {
    const site = await startSite(async (root) => {
      await writeFile(path.join(root, "content", "1_notes", "cover.jpg"), "not really a jpeg");
      await writeFile(path.join(root, "content", "1_notes", "cover.jpg.txt"), "Alt: Cover");
    });
    await ok(site, "POST", "pages/notes/duplicate", { slug: "bare" });
    expect(await filesBelow(site, "_drafts/bare")).toEqual(["_drafts/bare/notes.txt"]);

    await ok(site, "POST", "pages/notes/duplicate", { slug: "full", children: true, files: true });
    expect(await filesBelow(site, "_drafts/full")).toEqual([
      "_drafts/full/1_first-note/note.txt",
      "_drafts/full/2_second-note/note.txt",
      "_drafts/full/_drafts/secret-draft/note.txt",
      "_drafts/full/cover.jpg",
      "_drafts/full/cover.jpg.txt",
      "_drafts/full/notes.txt",
    ]);
    const originals = new Set(["notes00000000001", "firstnote0000001", "secondnote000001", "secretdraft00001"]);
    const copies: string[] = [];
    for (const file of (await filesBelow(site, "_drafts/full")).filter(
      (name) => !name.endsWith("cover.jpg") && !name.endsWith("cover.jpg.txt"),
    )) {
      copies.push((await contentOf(site, file))["uuid"] ?? "");
    }
    expect(copies.every((uuid) => /^[a-z0-9]{16}$/.test(uuid) && !originals.has(uuid))).toBe(true);
    expect(new Set(copies).size).toBe(copies.length);
    const child = await ok(site, "GET", "pages/full+first-note");
    expect(child.data["id"]).toBe("full/first-note");
  });
});

describe("field validation (§7.2 error.form.incomplete)", () => {
  const FORM_BLUEPRINT = `title: Form
fields:
  headline:
    type: text
    required: true
  subtitle:
    type: text
    maxlength: 5
  count:
    type: number
    min: 1
    max: 10
  code:
    type: text
    pattern: "[A-Z]{3}"
  contact:
    type: email
  website:
    type: url
`;
  const VALID =
    "Title: Form\n\n----\n\nHeadline: Hello\n\n----\n\nSubtitle: Short\n\n----\n\nCount: 5\n\n----\n\nCode: ABC\n\n----\n\nContact: a@example.com\n\n----\n\nWebsite: https://example.com\n\n----\n\nUuid: form000000000001";

  async function formSite(): Promise<Site> {
    return startSite(async (root) => {
      await writeBlueprint(root, "pages/form.yml", FORM_BLUEPRINT);
      await mkdir(path.join(root, "content", "form"));
      await writeFile(path.join(root, "content", "form", "form.txt"), VALID);
    });
  }

  it("reports every failed rule per field and writes nothing", async () => {
    const site = await formSite();
    const before = await treeHash(site);
    const reply = await call(site, "PATCH", "pages/form", {
      headline: "",
      subtitle: "Far too long",
      count: 11,
      code: "abc",
      contact: "not-an-address",
      website: "not a url",
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      status: "error",
      code: 400,
      key: "error.form.incomplete",
      message: "Please fix all form errors…",
    });
    expect(reply.body["details"]).toEqual({
      headline: { label: "Headline", message: { required: "Please enter something" } },
      subtitle: { label: "Subtitle", message: { maxlength: "Please enter a shorter value. (max. 5 characters)" } },
      count: { label: "Count", message: { max: "Please enter a value equal to or lower than 10" } },
      code: { label: "Code", message: { pattern: "The value does not match the expected pattern" } },
      contact: { label: "Contact", message: { email: "Please enter a valid email address" } },
      website: { label: "Website", message: { url: "Please enter a valid URL" } },
    });
    expect(await treeHash(site)).toBe(before);
    expect((await ok(site, "GET", "pages/form")).data["content"]).toMatchObject({
      headline: "Hello",
      subtitle: "Short",
    });
  });

  it("checks the lower bound of a number", async () => {
    const site = await formSite();
    const reply = await call(site, "PATCH", "pages/form", { count: 0 });
    expect(reply.body["details"]).toEqual({
      count: { label: "Count", message: { min: "Please enter a value equal to or greater than 1" } },
    });
  });

  it("refuses the whole request when one field of several is invalid", async () => {
    const site = await formSite();
    const before = await treeHash(site);
    const reply = await call(site, "PATCH", "pages/form", { headline: "Changed", subtitle: "Valid", count: 42 });
    expect(Object.keys(reply.body["details"] as object)).toEqual(["count"]);
    expect(await treeHash(site)).toBe(before);
  });

  it("accepts valid values and stores them", async () => {
    const site = await formSite();
    await ok(site, "PATCH", "pages/form", {
      headline: "New",
      subtitle: "Tiny",
      count: 10,
      code: "XYZ",
      contact: "b@example.org",
      website: "http://example.org/x",
    });
    expect(await contentOf(site, "form/form.txt")).toEqual({
      title: "Form",
      headline: "New",
      subtitle: "Tiny",
      count: "10",
      code: "XYZ",
      contact: "b@example.org",
      website: "http://example.org/x",
      uuid: "form000000000001",
    });
  });

  it("checks the form of a page created as listed (as publishing does) but not of one created as a draft", async () => {
    const site = await formSite();
    const before = await treeHash(site);
    const listed = await call(site, "POST", "site/children", {
      slug: "form-two",
      template: "form",
      isDraft: false,
      num: 1,
      content: { title: "Two" },
    });
    expect([listed.status, listed.body["key"]]).toEqual([403, "error.page.changeStatus.incomplete"]);
    expect(Object.keys(listed.body["details"] as object)).toEqual(["headline"]);
    expect(await treeHash(site)).toBe(before);

    await ok(site, "POST", "site/children", { slug: "form-two", template: "form", content: { title: "Two" } });
    const publish = await call(site, "PATCH", "pages/form-two/status", { status: "listed" });
    expect([publish.status, publish.body["key"]]).toEqual([403, "error.page.changeStatus.incomplete"]);
    expect(Object.keys(publish.body["details"] as object)).toEqual(["headline"]);
    expect(await folders(site)).toContain("_drafts/form-two");
  });

  it("validates the site blueprint on PATCH site", async () => {
    const site = await startSite(async (root) => {
      await writeBlueprint(
        root,
        "site.yml",
        "title: Site\nfields:\n  description:\n    type: textarea\n    maxlength: 3\n",
      );
    });
    const before = await treeHash(site);
    const reply = await call(site, "PATCH", "site", { description: "Too long" });
    expect([reply.status, reply.body["key"]]).toEqual([400, "error.form.incomplete"]);
    expect(reply.body["details"]).toEqual({
      description: {
        label: "Description",
        message: { maxlength: "Please enter a shorter value. (max. 3 characters)" },
      },
    });
    expect(await treeHash(site)).toBe(before);
  });
});

describe("titles and site content", () => {
  it("an empty title is refused for pages and the site", async () => {
    const site = await startSite();
    const before = await treeHash(site);
    const page = await call(site, "PATCH", "pages/notes/title", { title: "" });
    expect([page.status, page.body["key"]]).toEqual([400, "error.page.changeTitle.empty"]);
    const siteTitle = await call(site, "PATCH", "site/title", { title: "" });
    expect([siteTitle.status, siteTitle.body["key"]]).toEqual([400, "error.site.changeTitle.empty"]);
    expect(await treeHash(site)).toBe(before);
  });

  it("site title and fields are written to site.txt and answered as the site model", async () => {
    const site = await startSite();
    const titled = await ok(site, "PATCH", "site/title", { title: "Renamed Site" });
    expect(titled.data["title"]).toBe("Renamed Site");
    const updated = await ok(site, "PATCH", "site", { description: "New description" });
    expect(updated.data["content"]).toMatchObject({ title: "Renamed Site", description: "New description" });
    expect(await contentOf(site, "site.txt")).toEqual({ title: "Renamed Site", description: "New description" });
  });

  it("PATCH stores values by field type and empties blueprint fields sent as null", async () => {
    const site = await startSite();
    const reply = await ok(site, "PATCH", "pages/notes+first-note", {
      tags: ["one", "two"],
      date: "2025-03-04 10:00",
      text: null,
      extra: "kept",
    });
    expect(reply.data["content"]).toMatchObject({
      tags: ["one", "two"],
      text: "",
      extra: "kept",
    });
    expect(await contentOf(site, "1_notes/1_first-note/note.txt")).toEqual({
      title: "First Note",
      date: "2025-03-04",
      text: "",
      tags: "one, two",
      extra: "kept",
      uuid: "firstnote0000001",
    });
  });
});
