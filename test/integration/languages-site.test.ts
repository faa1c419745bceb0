/**
 * A site gaining its first language and losing its last one (docs/languages.md#the-first-and-the-last-language),
 * crash-safely; user content per language; search in the request's language; who may do each.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { renameAll } from "../../src/content/journal.js";
import { withSite } from "../../src/cli/site-services.js";
import { planMultiLanguage } from "../../src/languages/convert-site.js";
import {
  cleanUp,
  copySite,
  FIXTURE,
  NO_PANEL_ACCESS,
  OK,
  send,
  startSite,
  UNAUTHENTICATED,
  type TestSite,
} from "./helpers.js";

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

async function api(
  site: TestSite,
  method: string,
  url: string,
  { who = "admin", language, json }: { who?: Who; language?: string; json?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; data: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (who !== "anonymous") headers["authorization"] = `Basic ${Buffer.from(USERS[who]).toString("base64")}`;
  if (language !== undefined) headers["x-language"] = language;
  const reply = await send(site.sheaf, method, `/api/${url}`, { headers, ...(json === undefined ? {} : { json }) });
  const body = (reply.body ?? {}) as Record<string, unknown>;
  return { status: reply.status, body, data: (body["data"] ?? {}) as Record<string, unknown> };
}

const read = (root: string, relative: string): Promise<string> => readFile(path.join(root, relative), "utf8");
const ids = (body: Record<string, unknown>): unknown[] =>
  (body["data"] as Array<Record<string, unknown>>).map((item) => item["id"]);

/** The single-language fixture with a file, its meta file and unsaved changes of a page. */
async function singleLanguageSite(): Promise<string> {
  const root = await copySite(FIXTURE, ["content/3_bulk"]);
  await writeFile(path.join(root, "content/2_about/photo.jpg"), "jpeg");
  await writeFile(path.join(root, "content/2_about/photo.jpg.txt"), "Alt: A photo\n");
  await mkdir(path.join(root, "content/2_about/_changes"), { recursive: true });
  await writeFile(path.join(root, "content/2_about/_changes/default.txt"), "Title: About (draft)\n");
  return root;
}

describe("the first language of a site", () => {
  it("moves every content file into the new default language, byte for byte", async () => {
    const root = await singleLanguageSite();
    const before = await read(root, "content/2_about/default.txt");
    const userBefore = await read(root, "site/accounts/admin001/user.txt");
    const site = await startSite({ root, config: CONFIG });
    expect((await api(site, "GET", "languages")).body["data"]).toEqual([]);
    const aboutBefore = (await api(site, "GET", "pages/about?select=title,content")).data;

    const created = await api(site, "POST", "languages", { json: { code: "en", name: "English" } });
    expect(created.status).toBe(200);
    expect(created.data).toMatchObject({ code: "en", default: true, name: "English" });

    expect(await read(root, "content/2_about/default.en.txt")).toBe(before);
    expect(await readdir(path.join(root, "content/2_about"))).toEqual(
      expect.arrayContaining(["default.en.txt", "photo.jpg", "photo.jpg.en.txt", "_changes"]),
    );
    expect(existsSync(path.join(root, "content/2_about/default.txt"))).toBe(false);
    expect(await readdir(path.join(root, "content/2_about/_changes"))).toEqual(["default.en.txt"]);
    expect(existsSync(path.join(root, "content/site.en.txt"))).toBe(true);
    expect(existsSync(path.join(root, "content/site.txt"))).toBe(false);
    expect(existsSync(path.join(root, "content/1_notes/_drafts/secret-draft/note.en.txt"))).toBe(true);
    expect(await read(root, "site/accounts/admin001/user.en.txt")).toBe(userBefore);
    expect(existsSync(path.join(root, "site/accounts/admin001/user.txt"))).toBe(false);
    expect(await read(root, "site/languages/en.php")).toContain("'default' => true");
    expect((await readdir(path.join(root, "content"))).filter((name) => name.startsWith(".sheaf-t"))).toEqual([]);

    // the site reads the same content in its language
    expect((await api(site, "GET", "pages/about?select=title,content")).data).toEqual(aboutBefore);
    expect((await api(site, "GET", "pages/about?select=url")).data).toEqual({ url: "http://127.0.0.1/en/about" });
    // the next language is an ordinary one: nothing is renamed
    expect((await api(site, "POST", "languages", { json: { code: "de" } })).data).toMatchObject({ default: false });
    expect(existsSync(path.join(root, "content/2_about/default.en.txt"))).toBe(true);
    await api(site, "PATCH", "pages/about", { language: "de", json: { text: "Über uns" } });
    expect(await read(root, "content/2_about/default.de.txt")).toContain("Über uns");
  });

  it("turns the site back into a single-language one when its last language is deleted", async () => {
    const root = await singleLanguageSite();
    const before = await read(root, "content/2_about/default.txt");
    const site = await startSite({ root, config: CONFIG });
    await api(site, "POST", "languages", { json: { code: "en" } });
    await api(site, "POST", "languages", { json: { code: "de" } });
    await api(site, "PATCH", "pages/about", { language: "de", json: { text: "Über uns" } });

    // while another language exists, the default one stays
    const refused = await api(site, "DELETE", "languages/en");
    expect(refused.status).toBe(403);
    expect(refused.body["key"]).toBe("error.language.delete.permission");
    expect((await api(site, "DELETE", "languages/de")).body).toEqual(OK);
    expect(existsSync(path.join(root, "content/2_about/default.de.txt"))).toBe(false);

    expect((await api(site, "DELETE", "languages/en")).body).toEqual(OK);
    expect(await readdir(path.join(root, "site/languages"))).toEqual([]);
    expect(await read(root, "content/2_about/default.txt")).toBe(before);
    expect(await readdir(path.join(root, "content/2_about/_changes"))).toEqual(["default.txt"]);
    expect(existsSync(path.join(root, "content/2_about/photo.jpg.txt"))).toBe(true);
    expect(existsSync(path.join(root, "content/site.txt"))).toBe(true);
    expect(existsSync(path.join(root, "site/accounts/editor01/user.txt"))).toBe(true);
    expect((await readdir(path.join(root, "content"))).filter((name) => name.includes("trash"))).toEqual([]);

    const about = await api(site, "GET", "pages/about?select=title,url");
    expect(about.data).toEqual({ title: "About", url: "http://127.0.0.1/about" });
    // and writes go to `<template>.txt` again
    await api(site, "PATCH", "pages/about", { json: { text: "Plain again" } });
    expect(await read(root, "content/2_about/default.txt")).toContain("Plain again");
  });

  it("finishes a conversion interrupted half-way at the next start", async () => {
    const root = await singleLanguageSite();
    const first = await startSite({ root, config: CONFIG });
    const contentRoot = path.join(root, "content");
    const plan = await planMultiLanguage(
      {
        code: "en",
        contentRoot,
        accountsDir: path.join(root, "site/accounts"),
        languageFile: path.join(root, "site/languages/en.php"),
        extension: "txt",
        content: first.sheaf.content,
      },
      "<?php\n\nreturn [\n    'code' => 'en',\n    'default' => true\n];",
    );
    await first.close();
    expect(plan.renames.length).toBeGreaterThan(10);
    // the journal was written and a few renames done, then the process died
    const journalDir = path.join(contentRoot, ".sheaf-journal");
    await mkdir(journalDir, { recursive: true });
    await writeFile(path.join(journalDir, "1-crash.json"), JSON.stringify({ renames: plan.renames }));
    await renameAll(contentRoot, plan.renames.slice(0, 3));

    const second = await startSite({ root, config: CONFIG });
    expect((await api(second, "GET", "languages?select=code,default")).body["data"]).toEqual([
      { code: "en", default: true },
    ]);
    expect(existsSync(path.join(contentRoot, "2_about/default.en.txt"))).toBe(true);
    expect(existsSync(path.join(contentRoot, "2_about/default.txt"))).toBe(false);
    expect(existsSync(path.join(contentRoot, "site.en.txt"))).toBe(true);
    expect(existsSync(path.join(root, "site/accounts/admin001/user.en.txt"))).toBe(true);
    expect((await readdir(contentRoot)).filter((name) => name.startsWith(".sheaf-t"))).toEqual([]);
    expect((await api(second, "GET", "pages/about?select=title")).data).toEqual({ title: "About" });
  });

  it("leaves the site as it was when the conversion never started", async () => {
    const root = await singleLanguageSite();
    const first = await startSite({ root, config: CONFIG });
    await planMultiLanguage(
      {
        code: "en",
        contentRoot: path.join(root, "content"),
        accountsDir: path.join(root, "site/accounts"),
        languageFile: path.join(root, "site/languages/en.php"),
        extension: "txt",
        content: first.sheaf.content,
      },
      "<?php\n\nreturn [];",
    );
    // the language file was staged, no journal yet: a crash now leaves a single-language site
    await first.close();
    const second = await startSite({ root, config: CONFIG });
    expect((await api(second, "GET", "languages")).body["data"]).toEqual([]);
    expect(existsSync(path.join(root, "content/2_about/default.txt"))).toBe(true);
    expect((await readdir(path.join(root, "content"))).filter((name) => name.startsWith(".sheaf-t"))).toEqual([]);
  });

  it("lets only roles with languages.create/delete convert the site", async () => {
    const site = await startSite({ source: FIXTURE, exclude: ["content/3_bulk"], config: CONFIG });
    expect((await api(site, "POST", "languages", { who: "anonymous", json: { code: "en" } })).body).toEqual(
      UNAUTHENTICATED,
    );
    expect((await api(site, "POST", "languages", { who: "noaccess", json: { code: "en" } })).body).toEqual(
      NO_PANEL_ACCESS,
    );
    expect(existsSync(path.join(site.root, "content/site.txt"))).toBe(true);
    // the editor may manage languages (Kirby's default)
    expect((await api(site, "POST", "languages", { who: "editor", json: { code: "en" } })).status).toBe(200);
    expect(existsSync(path.join(site.root, "content/site.en.txt"))).toBe(true);
    expect((await api(site, "DELETE", "languages/en", { who: "anonymous" })).status).toBe(401);
    expect((await api(site, "DELETE", "languages/en", { who: "editor" })).body).toEqual(OK);
    expect(existsSync(path.join(site.root, "content/site.txt"))).toBe(true);
  });
});

describe("user content per language", () => {
  async function start(): Promise<TestSite> {
    return startSite({ source: MULTILANG, exclude: ["content/3_bulk"], config: CONFIG });
  }

  it("writes user content in a language to user.<code>.txt and reads it with the default's as fallback", async () => {
    const site = await start();
    const root = site.root;
    const en = await api(site, "PATCH", "users/admin001", { json: { city: "London", bio: "Runs the site" } });
    expect(en.status).toBe(200);
    expect(await read(root, "site/accounts/admin001/user.en.txt")).toContain("City: London");
    const de = await api(site, "PATCH", "users/admin001", { language: "de", json: { city: "Berlin" } });
    expect(de.status).toBe(200);
    const german = await read(root, "site/accounts/admin001/user.de.txt");
    expect(german).toContain("City: Berlin");
    expect(await read(root, "site/accounts/admin001/user.en.txt")).toContain("City: London");

    expect((await api(site, "GET", "users/admin001?select=content", { language: "de" })).data).toEqual({
      content: { bio: "Runs the site", city: "Berlin" },
    });
    expect((await api(site, "GET", "users/admin001?select=content")).data).toEqual({
      content: { bio: "Runs the site", city: "London" },
    });
    // an untranslated user shows the default language's content
    await api(site, "PATCH", "users/editor01", { json: { city: "Paris" } });
    expect((await api(site, "GET", "users/editor01?select=content", { language: "de" })).data).toEqual({
      content: { city: "Paris" },
    });
  });

  it("searches users in the request's language", async () => {
    const site = await start();
    await api(site, "PATCH", "users/admin001", { json: { city: "London" } });
    await api(site, "PATCH", "users/admin001", { language: "de", json: { city: "Berlin" } });
    expect(ids((await api(site, "GET", "users/search?q=berlin", { language: "de" })).body)).toEqual(["admin001"]);
    expect(ids((await api(site, "GET", "users/search?q=berlin")).body)).toEqual([]);
    expect(ids((await api(site, "GET", "users/search?q=london")).body)).toEqual(["admin001"]);
    // the default language's values show through an untranslated field
    expect(ids((await api(site, "GET", "users/search?q=london", { language: "de" })).body)).toEqual([]);
    const post = await api(site, "POST", "users/search", {
      language: "de",
      json: { search: { query: "berlin", options: { fields: ["city"] } } },
    });
    expect(ids(post.body)).toEqual(["admin001"]);
  });

  it("applies each role's user permissions to writes in a language", async () => {
    const site = await start();
    // editor and translator may change themselves; others are hidden from them (access.users: false): 404
    expect(
      (await api(site, "PATCH", "users/editor01", { who: "editor", language: "de", json: { city: "Köln" } })).status,
    ).toBe(200);
    expect(await read(site.root, "site/accounts/editor01/user.de.txt")).toContain("City: Köln");
    const other = await api(site, "PATCH", "users/admin001", { who: "editor", language: "de", json: { city: "X" } });
    expect(other.status).toBe(404);
    expect(
      (await api(site, "PATCH", "users/transl01", { who: "translator", language: "de", json: { city: "Wien" } }))
        .status,
    ).toBe(200);
    expect(
      (await api(site, "PATCH", "users/admin001", { who: "translator", language: "de", json: { city: "X" } })).status,
    ).toBe(404);
    expect(
      (await api(site, "PATCH", "users/admin001", { who: "noaccess", language: "de", json: { city: "X" } })).body,
    ).toEqual(NO_PANEL_ACCESS);
    expect(
      (await api(site, "PATCH", "users/admin001", { who: "anonymous", language: "de", json: { city: "X" } })).body,
    ).toEqual(UNAUTHENTICATED);
    expect(existsSync(path.join(site.root, "site/accounts/admin001/user.de.txt"))).toBe(false);
    // the admin may change anyone
    expect((await api(site, "PATCH", "users/editor01", { language: "de", json: { city: "Bonn" } })).status).toBe(200);
  });

  it("deleting a language removes its user content", async () => {
    const site = await start();
    await api(site, "PATCH", "users/admin001", { language: "de", json: { city: "Berlin" } });
    expect((await api(site, "DELETE", "languages/de")).body).toEqual(OK);
    expect(existsSync(path.join(site.root, "site/accounts/admin001/user.de.txt"))).toBe(false);
    expect((await api(site, "GET", "users/admin001?select=content", { language: "de" })).data).toEqual({ content: [] });
  });
});

describe("search in the request's language", () => {
  it("searches pages and children in the language's content, for each role that may see them", async () => {
    const site = await startSite({ source: MULTILANG, exclude: ["content/3_bulk"], config: CONFIG });
    for (const who of ["admin", "editor", "translator"] as const) {
      expect(ids((await api(site, "GET", "site/search?q=hallo", { who, language: "de" })).body)).toEqual([
        "notes/first-note",
      ]);
      expect(ids((await api(site, "GET", "site/search?q=hallo", { who })).body)).toEqual([]);
      expect(
        ids((await api(site, "GET", "pages/notes/children/search?q=notiz", { who, language: "de" })).body),
      ).toEqual(["notes/first-note"]);
    }
    expect((await api(site, "GET", "site/search?q=hallo", { who: "noaccess", language: "de" })).body).toEqual(
      NO_PANEL_ACCESS,
    );
    expect((await api(site, "GET", "site/search?q=hallo", { who: "anonymous", language: "de" })).body).toEqual(
      UNAUTHENTICATED,
    );
  });
});

describe("search results served from shared results and the render cache", () => {
  it("follow writes, the caller's role and the request's language", async () => {
    const site = await startSite({ source: MULTILANG, config: CONFIG });
    const url = "site/search?q=first-note&select=id,title,options";
    const first = (reply: { body: Record<string, unknown> }): Record<string, unknown> =>
      (reply.body["data"] as Array<Record<string, unknown>>)[0] ?? {};
    for (let round = 0; round < 2; round++) {
      const admin = first(await api(site, "GET", url));
      expect(admin).toMatchObject({ id: "notes/first-note", title: "First Note" });
      expect((admin["options"] as Record<string, unknown>)["delete"]).toBe(true);
      const editor = first(await api(site, "GET", url, { who: "editor" }));
      expect((editor["options"] as Record<string, unknown>)["delete"]).toBe(false);
      expect(first(await api(site, "GET", url, { language: "de" }))["title"]).toBe("Erste Notiz");
    }
    await api(site, "PATCH", "pages/notes+first-note/title", { json: { title: "First Note, again" } });
    expect(first(await api(site, "GET", url))["title"]).toBe("First Note, again");
    expect(first(await api(site, "GET", url, { who: "editor" }))["title"]).toBe("First Note, again");
    expect(first(await api(site, "GET", url, { language: "de" }))["title"]).toBe("Erste Notiz");
  });
});

describe("search over a large site", () => {
  it("answers repeated searches from the shared ranked result and sees each write", async () => {
    const root = await copySite(FIXTURE, ["content/3_bulk"]);
    for (let n = 0; n < 600; n++) {
      const dir = path.join(root, "content/4_many", `${n + 1}_many-${n}`);
      await mkdir(dir, { recursive: true });
      await writeFile(
        path.join(dir, "note.txt"),
        `Title: Many ${n}\n\n----\n\nText: ${n % 3 === 0 ? "lantern" : "river"}\n`,
      );
    }
    await writeFile(path.join(root, "content/4_many/notes.txt"), "Title: Many\n");
    const site = await startSite({ root, config: { api: { basicAuth: true, allowInsecure: true } } });
    const search = async (q: string, who: Who = "admin"): Promise<Record<string, unknown>> =>
      (await api(site, "GET", `site/search?q=${q}&limit=5&select=id,title`, { who })).body;
    const once = await search("lantern");
    expect(once["pagination"]).toMatchObject({ total: 200, limit: 5 });
    expect(await search("lantern")).toEqual(once);
    expect(await search("lantern", "editor")).toEqual(once);
    // the best match first: the title is the whole query
    expect(ids(await search("many%20597"))[0]).toBe("many/many-597");

    await api(site, "PATCH", "pages/many+many-1", { json: { text: "lantern" } });
    const after = await search("lantern");
    expect((after["pagination"] as Record<string, unknown>)["total"]).toBe(201);
    const post = await api(site, "POST", "site/search", { json: { search: "lantern", paginate: { limit: 1 } } });
    expect((post.body["pagination"] as Record<string, unknown>)["total"]).toBe(201);
  });
});

describe("the command line on a multi-language site", () => {
  it("creates users with their content in the default language's file, and via the API too", async () => {
    const root = await copySite(MULTILANG, ["content/3_bulk"]);
    await mkdir(path.join(root, "site/config"), { recursive: true });
    await writeFile(path.join(root, "site/config/config.json"), JSON.stringify({ languages: true }));
    await withSite(root, (cli) =>
      cli.writer.create(() => ({
        id: "clinew01",
        account: { email: "cli@example.com", role: "editor", name: null, language: null, passwordHash: null },
      })),
    );
    expect(await readdir(path.join(root, "site/accounts/clinew01"))).toEqual(
      expect.arrayContaining(["index.php", "user.en.txt"]),
    );
    const site = await startSite({ root, config: CONFIG });
    const created = await api(site, "POST", "users", {
      json: { email: "api@example.com", role: "editor", password: "ApiUserPass123!", city: "Rome" },
    });
    expect(created.status).toBe(200);
    const id = created.data["id"] as string;
    expect(await readdir(path.join(root, "site/accounts", id))).toContain("user.en.txt");
    expect(existsSync(path.join(root, "site/accounts", id, "user.txt"))).toBe(false);
  });
});
