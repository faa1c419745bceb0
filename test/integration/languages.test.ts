/**
 * Multi-language sites (docs/languages.md): reading in a language with the default language's fields as fallback,
 * the request's language, writes into one language's file, slugs per language, the default-language rules, the
 * deletion of a language (including a crash half-way) and who may manage languages.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { renameAll } from "../../src/content/journal.js";
import { planLanguageDeletion } from "../../src/languages/delete-language.js";
import { cleanUp, copySite, NO_PANEL_ACCESS, OK, send, startSite, UNAUTHENTICATED, type TestSite } from "./helpers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MULTILANG = path.resolve(HERE, "..", "conformance", "fixture-multilang");
const CONFIG = { languages: true, api: { basicAuth: true, allowInsecure: true } };

const USERS = {
  admin: "admin@example.com:AdminPass123!",
  editor: "editor@example.com:EditorPass123!",
  translator: "translator@example.com:TranslatorPass123!",
  noaccess: "noaccess@example.com:NoAccessPass123!",
} as const;

type Who = keyof typeof USERS | "anonymous";

afterEach(cleanUp);

async function start(config: Record<string, unknown> = CONFIG): Promise<TestSite> {
  return startSite({ source: MULTILANG, exclude: ["content/3_bulk"], config });
}

function headersOf(who: Who, language?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (who !== "anonymous") headers["authorization"] = `Basic ${Buffer.from(USERS[who]).toString("base64")}`;
  if (language !== undefined) headers["x-language"] = language;
  return headers;
}

async function api(
  site: TestSite,
  method: string,
  url: string,
  { who = "admin", language, json }: { who?: Who; language?: string; json?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; data: Record<string, unknown> }> {
  const reply = await send(site.sheaf, method, `/api/${url}`, {
    headers: headersOf(who, language),
    ...(json === undefined ? {} : { json }),
  });
  const body = (reply.body ?? {}) as Record<string, unknown>;
  return { status: reply.status, body, data: (body["data"] ?? {}) as Record<string, unknown> };
}

const file = (site: TestSite, relative: string): Promise<string> => readFile(path.join(site.root, relative), "utf8");

describe("reading in a language", () => {
  it("answers in the request's language, field by field over the default language", async () => {
    const site = await start();
    const de = await api(site, "GET", "pages/notes+first-note?select=title,content,url", { language: "de" });
    expect(de.data).toEqual({
      title: "Erste Notiz",
      url: "http://127.0.0.1/de/notes/first-note",
      content: {
        date: "2024-01-15 00:00:00",
        text: "Hallo aus der ersten Notiz.",
        tags: ["alpha", "beta"],
        title: "Erste Notiz",
        uuid: "firstnote0000001",
      },
    });
    const en = await api(site, "GET", "pages/notes+first-note?select=title,url");
    expect(en.data).toEqual({ title: "First Note", url: "http://127.0.0.1/en/notes/first-note" });
  });

  it("shows an untranslated page in the default language's content, under the language's URL", async () => {
    const site = await start();
    const about = await api(site, "GET", "pages/about?select=title,url,content", { language: "de" });
    expect(about.data).toEqual({
      title: "About",
      url: "http://127.0.0.1/de/about",
      content: { text: "About this site.", title: "About", uuid: "about00000000001" },
    });
    const home = await api(site, "GET", "site/children?select=id,url", { language: "de" });
    expect((home.body["data"] as Array<Record<string, unknown>>).find((page) => page["id"] === "home")).toEqual({
      id: "home",
      url: "http://127.0.0.1/de",
    });
  });

  it("lets ?language= win over X-Language and reads an unknown or odd code as the default language", async () => {
    const site = await start();
    expect((await api(site, "GET", "pages/notes?language=en&select=title", { language: "de" })).data).toEqual({
      title: "Notes",
    });
    expect((await api(site, "GET", "pages/notes?language=de&select=title")).data).toEqual({ title: "Notizen" });
    for (const code of ["fr", "DE-", "../de", "x".repeat(10_000), "__proto__", "constructor"]) {
      const reply = await api(site, "GET", "pages/notes?select=title", { language: code });
      expect(reply.status).toBe(200);
      expect(reply.data).toEqual({ title: "Notes" });
    }
    const listed = await api(site, "GET", "pages/notes?language[]=de&select=title");
    expect(listed.data).toEqual({ title: "Notes" });
  });

  it("keeps the user's interface language apart from the content language", async () => {
    const site = await start();
    expect((await api(site, "GET", "auth?select=language", { language: "de" })).data).toEqual({ language: "en" });
  });

  it("reports the languages in the system view", async () => {
    const site = await start();
    const system = await api(site, "GET", "system?select=multilang,languages");
    expect(system.data["multilang"]).toBe(true);
    expect((system.data["languages"] as Array<Record<string, unknown>>).map((language) => language["code"])).toEqual([
      "de",
      "en",
    ]);
  });

  it("ignores X-Language on a site without the option, where the language routes do not exist", async () => {
    const site = await startSite({
      exclude: ["content/3_bulk"],
      config: { api: { basicAuth: true, allowInsecure: true } },
    });
    expect((await api(site, "GET", "pages/notes?select=url", { language: "de" })).data).toEqual({
      url: "http://127.0.0.1/notes",
    });
    expect((await api(site, "GET", "languages")).status).toBe(404);
  });
});

describe("the site in a language", () => {
  it("renders /<code>/<path> in that language and paths without a prefix in the default language", async () => {
    const site = await start();
    const german = await send(site.sheaf, "GET", "/de/notes");
    expect(german.status).toBe(200);
    expect(german.text).toContain("Notizen");
    expect((await send(site.sheaf, "GET", "/en/notes")).text).toContain("Notes");
    expect((await send(site.sheaf, "GET", "/notes")).text).toContain("Notes");
    expect((await send(site.sheaf, "GET", "/de")).status).toBe(200);
    expect((await send(site.sheaf, "GET", "/de/nothing-here")).status).toBe(404);
    expect((await send(site.sheaf, "GET", "/deutsch")).status).toBe(404);
  });
});

describe("writing in a language", () => {
  it("writes the form values of the language into its file only, without the UUID", async () => {
    const site = await start();
    const before = await file(site, "content/2_about/default.en.txt");
    const reply = await api(site, "PATCH", "pages/about?select=content", {
      language: "de",
      json: { text: "Über diese Seite." },
    });
    expect(reply.status).toBe(200);
    expect(await file(site, "content/2_about/default.de.txt")).toBe("Title: About\n\n----\n\nText: Über diese Seite.");
    expect(await file(site, "content/2_about/default.en.txt")).toBe(before);
    expect((await api(site, "GET", "pages/about?select=content")).data).toEqual({
      content: { text: "About this site.", title: "About", uuid: "about00000000001" },
    });
  });

  it("changes the title of the translation and the site in a language", async () => {
    const site = await start();
    await api(site, "PATCH", "pages/about/title", { language: "de", json: { title: "Über uns" } });
    expect(await file(site, "content/2_about/default.de.txt")).toBe(
      "Title: Über uns\n\n----\n\nText: About this site.",
    );
    await api(site, "PATCH", "site/title", { language: "de", json: { title: "Seite" } });
    expect(await file(site, "content/site.de.txt")).toContain("Title: Seite");
    expect(await file(site, "content/site.en.txt")).toContain("Title: Oracle Site");
  });

  it("stores a translated slug in the translation: the id and the folder stay, the URL in that language changes", async () => {
    const site = await start();
    await api(site, "PATCH", "pages/about/title", { language: "de", json: { title: "Über uns" } });
    const reply = await api(site, "PATCH", "pages/about/slug?select=id,slug,url", {
      language: "de",
      json: { slug: "ueber-uns" },
    });
    expect(reply.data).toEqual({ id: "about", slug: "ueber-uns", url: "http://127.0.0.1/de/ueber-uns" });
    expect(await file(site, "content/2_about/default.de.txt")).toBe(
      "Title: Über uns\n\n----\n\nSlug: ueber-uns\n\n----\n\nText: About this site.",
    );
    expect(existsSync(path.join(site.root, "content/2_about"))).toBe(true);
    expect((await api(site, "GET", "pages/about?select=slug,url")).data).toEqual({
      slug: "about",
      url: "http://127.0.0.1/en/about",
    });
    // the translated path finds the page in that language
    expect((await api(site, "GET", "pages/ueber-uns?select=id", { language: "de" })).data).toEqual({ id: "about" });
    expect((await api(site, "GET", "pages/ueber-uns?select=id")).status).toBe(404);
  });

  it("keeps folder names when a page with a translated slug changes status in that language", async () => {
    const site = await start();
    await api(site, "PATCH", "pages/about/slug", { language: "de", json: { slug: "ueber-uns" } });
    expect(
      (await api(site, "PATCH", "pages/about/status", { language: "de", json: { status: "unlisted" } })).status,
    ).toBe(200);
    expect(existsSync(path.join(site.root, "content/about/default.de.txt"))).toBe(true);
    const listed = await api(site, "PATCH", "pages/about/status", {
      language: "de",
      json: { status: "listed", position: 1 },
    });
    expect(listed.status).toBe(200);
    expect(existsSync(path.join(site.root, "content/1_about"))).toBe(true);
    expect(existsSync(path.join(site.root, "content/2_notes"))).toBe(true);
  });

  it("refuses a translated slug that a sibling uses in that language", async () => {
    const site = await start();
    const reply = await api(site, "PATCH", "pages/about/slug", { language: "de", json: { slug: "notes" } });
    expect(reply.status).toBe(400);
    expect(reply.body["key"]).toBe("error.page.duplicate");
    expect(existsSync(path.join(site.root, "content/2_about/default.de.txt"))).toBe(false);
  });
});

describe("pages on a multi-language site", () => {
  it("creates pages in the default language's file, and moves and copies every language's file", async () => {
    const site = await start();
    const created = await api(site, "POST", "pages/notes/children", {
      json: { slug: "third", template: "note", content: { title: "Third" } },
    });
    expect(created.status).toBe(200);
    expect(await readdir(path.join(site.root, "content/1_notes/_drafts/third"))).toEqual(["note.en.txt"]);

    const copy = await api(site, "POST", "pages/notes+first-note/duplicate", {
      language: "de",
      json: { slug: "copy" },
    });
    expect(copy.status).toBe(200);
    const copied = path.join(site.root, "content/1_notes/_drafts/copy");
    expect((await readdir(copied)).sort()).toEqual(["note.de.txt", "note.en.txt"]);
    expect(await readFile(path.join(copied, "note.de.txt"), "utf8")).toBe(
      await file(site, "content/1_notes/1_first-note/note.de.txt"),
    );
    expect(await readFile(path.join(copied, "note.en.txt"), "utf8")).not.toContain("firstnote0000001");

    await writeFile(
      path.join(site.root, "site/blueprints/pages/note.yml"),
      "title: Note\noptions:\n  changeTemplate:\n    - default\n",
    );
    await site.sheaf.services.blueprints.reload();
    const changed = await api(site, "PATCH", "pages/notes+first-note/template", { json: { template: "default" } });
    expect(changed.status).toBe(200);
    expect((await readdir(path.join(site.root, "content/1_notes/1_first-note"))).sort()).toEqual([
      "default.de.txt",
      "default.en.txt",
    ]);
    expect((await api(site, "GET", "pages/notes+first-note?select=title", { language: "de" })).data).toEqual({
      title: "Erste Notiz",
    });
  });

  it("never reads a content file named after an object key as a translation", async () => {
    const root = await copySite(MULTILANG, ["content/3_bulk"]);
    await writeFile(path.join(root, "content/2_about/default.__proto__.txt"), "Title: Hacked");
    const site = await startSite({ root, config: CONFIG });
    expect((await api(site, "GET", "pages/about?select=title", { language: "de" })).data).toEqual({ title: "About" });
    expect(Object.getPrototypeOf(site.sheaf.content.findPage("about")?.translations)).toBe(Object.prototype);
  });
});

describe("the languages routes", () => {
  it("writes a new language file as Kirby does and lists languages in code order", async () => {
    const site = await start();
    const created = await api(site, "POST", "languages", {
      json: { code: "fr", name: "Français", locale: "fr_FR" },
    });
    expect(created.status).toBe(200);
    expect(created.data["locale"]).toEqual({ "6": "fr_FR" });
    expect(await file(site, "site/languages/fr.php")).toBe(
      "<?php\n\nreturn [\n    'code' => 'fr',\n    'default' => false,\n    'direction' => 'ltr',\n    'locale' => [\n        'LC_ALL' => 'fr_FR'\n    ],\n    'name' => 'Français',\n    'translations' => [\n\n    ],\n    'url' => NULL\n];",
    );
    const list = await api(site, "GET", "languages?select=code");
    expect(list.body["data"]).toEqual([{ code: "de" }, { code: "en" }, { code: "fr" }]);
    const updated = await api(site, "PATCH", "languages/fr", {
      json: { name: "French", direction: "rtl", code: "xx" },
    });
    expect(updated.data["code"]).toBe("fr");
    expect(await file(site, "site/languages/fr.php")).toContain("'direction' => 'rtl'");
    expect(existsSync(path.join(site.root, "site/languages/xx.php"))).toBe(false);
  });

  it("refuses duplicates, short codes and codes that would leave the folder", async () => {
    const site = await start();
    expect((await api(site, "POST", "languages", { json: { code: "de" } })).body["key"]).toBe(
      "error.language.duplicate",
    );
    expect((await api(site, "POST", "languages", { json: { code: "x" } })).body["key"]).toBe("error.language.code");
    const traversal = await api(site, "POST", "languages", { json: { code: "../../config" } });
    expect(traversal.status).toBe(200);
    expect(traversal.data["code"]).toBe("config");
    expect(existsSync(path.join(site.root, "site/languages/config.php"))).toBe(true);
    expect((await api(site, "GET", "languages/..%2Fconfig")).body).toEqual({
      status: "error",
      message: "not found",
      code: 404,
    });
    expect((await api(site, "POST", "languages", { json: { code: "de", name: ["a"] } })).status).toBe(400);
    expect((await api(site, "PATCH", "languages/de", { json: { name: "  " } })).body["key"]).toBe(
      "error.language.name",
    );
    expect(await file(site, "site/languages/de.php")).toContain("'name' => 'Deutsch'");
  });

  it("keeps exactly one default language", async () => {
    const site = await start();
    const demote = await api(site, "PATCH", "languages/en", { json: { default: false } });
    expect(demote.status).toBe(400);
    expect(demote.body["key"]).toBe("error.logic");
    const remove = await api(site, "DELETE", "languages/en");
    expect(remove.status).toBe(403);
    expect(remove.body["key"]).toBe("error.language.delete.permission");
    expect((await api(site, "PATCH", "languages/de", { json: { default: true } })).data["default"]).toBe(true);
    expect(await file(site, "site/languages/en.php")).toContain("'default' => false");
    expect(await file(site, "site/languages/de.php")).toContain("'default' => true");
    // German is now the base: its files are the models' content
    expect((await api(site, "GET", "pages/notes?select=title")).data).toEqual({ title: "Notizen" });
  });

  it("deletes a language with every content file of it", async () => {
    const site = await start();
    await api(site, "PATCH", "pages/about", { language: "de", json: { text: "Über diese Seite." } });
    expect(await api(site, "DELETE", "languages/de")).toMatchObject({ status: 200, body: OK });
    expect(await readdir(path.join(site.root, "site/languages"))).toEqual(["en.php"]);
    expect(await readdir(path.join(site.root, "content/1_notes"))).not.toContain("notes.de.txt");
    expect(await readdir(path.join(site.root, "content/2_about"))).toEqual(["default.en.txt"]);
    expect(existsSync(path.join(site.root, "content/site.de.txt"))).toBe(false);
    expect((await readdir(path.join(site.root, "content"))).filter((name) => name.startsWith(".sheaf-"))).toEqual([
      ".sheaf-journal",
    ]);
    expect((await api(site, "GET", "pages/notes?select=title", { language: "de" })).data).toEqual({ title: "Notes" });
    expect((await api(site, "DELETE", "languages/de")).status).toBe(404);
  });

  it("finishes a deletion interrupted half-way at the next start", async () => {
    const root = await copySite(MULTILANG, ["content/3_bulk"]);
    const first = await startSite({ root, config: CONFIG });
    const plan = await planLanguageDeletion({
      code: "de",
      contentRoot: path.join(root, "content"),
      accountsDir: path.join(root, "site/accounts"),
      languageFile: path.join(root, "site/languages/de.php"),
      extension: "txt",
      content: first.sheaf.content,
    });
    await first.close();
    expect(plan.renames.length).toBeGreaterThan(3);
    // the journal was written and the first rename done, then the process died
    const journalDir = path.join(root, "content/.sheaf-journal");
    await mkdir(journalDir, { recursive: true });
    await writeFile(path.join(journalDir, "1-crash.json"), JSON.stringify({ renames: plan.renames }));
    await renameAll(path.join(root, "content"), plan.renames.slice(0, 1));

    const second = await startSite({ root, config: CONFIG });
    expect(await readdir(path.join(root, "site/languages"))).toEqual(["en.php"]);
    expect(existsSync(path.join(root, "content/site.de.txt"))).toBe(false);
    expect(existsSync(path.join(root, "content/1_notes/notes.de.txt"))).toBe(false);
    expect(existsSync(path.join(root, "content/1_notes/1_first-note/note.de.txt"))).toBe(false);
    expect(existsSync(path.join(root, "content/1_notes/1_first-note/note.en.txt"))).toBe(true);
    expect((await readdir(path.join(root, "content"))).filter((name) => name.includes("trash"))).toEqual([]);
    expect((await api(second, "GET", "languages?select=code")).body["data"]).toEqual([{ code: "en" }]);
  });
});

describe("who may manage languages", () => {
  it("lets every Panel user read languages and refuses anonymous callers and roles without Panel access", async () => {
    const site = await start();
    expect((await api(site, "GET", "languages", { who: "translator" })).status).toBe(200);
    expect((await api(site, "GET", "languages", { who: "anonymous" })).body).toEqual(UNAUTHENTICATED);
    expect((await api(site, "GET", "languages", { who: "noaccess" })).body).toEqual(NO_PANEL_ACCESS);
    expect((await api(site, "POST", "languages", { who: "anonymous", json: { code: "fr" } })).status).toBe(401);
    expect(existsSync(path.join(site.root, "site/languages/fr.php"))).toBe(false);
  });

  it("refuses the translator (languages: false) every change, but lets it edit content in any language", async () => {
    const site = await start();
    const create = await api(site, "POST", "languages", { who: "translator", json: { code: "fr" } });
    expect(create.body).toEqual({
      status: "error",
      message: "You are not allowed to create a language",
      code: 403,
      key: "error.language.create.permission",
      details: [],
    });
    const update = await api(site, "PATCH", "languages/de", { who: "translator", json: { name: "X" } });
    expect(update.body["key"]).toBe("error.language.update.permission");
    expect(update.body["message"]).toBe("You are not allowed to update the language");
    const remove = await api(site, "DELETE", "languages/de", { who: "translator" });
    expect(remove.body["key"]).toBe("error.language.delete.permission");
    expect(existsSync(path.join(site.root, "site/languages/de.php"))).toBe(true);
    expect(existsSync(path.join(site.root, "site/languages/fr.php"))).toBe(false);
    const edit = await api(site, "PATCH", "pages/about", {
      who: "translator",
      language: "de",
      json: { text: "Hallo" },
    });
    expect(edit.status).toBe(200);
    expect(await file(site, "content/2_about/default.de.txt")).toContain("Text: Hallo");
  });

  it("lets the editor create, update and delete languages", async () => {
    const site = await start();
    expect((await api(site, "POST", "languages", { who: "editor", json: { code: "fr" } })).status).toBe(200);
    expect((await api(site, "PATCH", "languages/fr", { who: "editor", json: { name: "Fr" } })).status).toBe(200);
    expect((await api(site, "DELETE", "languages/fr", { who: "editor" })).status).toBe(200);
  });
});
