/**
 * The changes routes (docs/changes.md): what save, publish, discard and unlock write for a page, the site, the
 * account and a user, what GET shows meanwhile, who may call them, and the input they refuse.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  listFolder,
  NOACCESS,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";

afterEach(cleanUp);

const NOTE = "content/1_notes/1_first-note";
const NOTE_CHANGES = `${NOTE}/_changes/note.txt`;
const OK = { status: "ok" };

async function loggedIn(site: TestSite, account = ADMIN): Promise<Client> {
  return site.client().loginOrThrow(account);
}

function post(client: Client, url: string, json?: unknown) {
  return client.request("POST", `/api/${url}`, { withCsrf: true, ...(json === undefined ? {} : { json }) });
}

async function fileText(site: TestSite, relative: string): Promise<string | null> {
  return readFile(path.join(site.root, relative), "utf8").catch(() => null);
}

async function noteContent(client: Client): Promise<Record<string, unknown>> {
  return dataOf(await client.get("/api/pages/notes+first-note?select=content"))["content"] as Record<string, unknown>;
}

describe("a page's changes (50-changes-save-publish-discard, on disk)", () => {
  it("keeps saved changes in _changes/ with the lock, invisible to GET until published", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    const published = await fileText(site, `${NOTE}/note.txt`);

    expect((await post(admin, "pages/notes+first-note/changes/save", { text: "Draft text" })).body).toEqual(OK);
    expect(await listFolder(path.join(site.root, NOTE))).toEqual(expect.arrayContaining(["note.txt", "_changes"]));
    expect(await fileText(site, NOTE_CHANGES)).toBe(
      "Title: First Note\n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Draft text\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001\n\n----\n\nLock: admin001",
    );
    expect((await noteContent(admin))["text"]).toBe("Hello from the first note.");

    await post(admin, "pages/notes+first-note/changes/save", { title: "Changed title" });
    expect(await fileText(site, NOTE_CHANGES)).toBe(
      "Title: Changed title\n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Draft text\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001\n\n----\n\nLock: admin001",
    );

    expect((await post(admin, "pages/notes+first-note/changes/discard")).body).toEqual(OK);
    expect(await listFolder(path.join(site.root, NOTE))).toEqual(["note.txt"]);
    expect(await fileText(site, `${NOTE}/note.txt`)).toBe(published);

    await post(admin, "pages/notes+first-note/changes/save", { text: "Published through changes", tags: ["gamma"] });
    expect((await post(admin, "pages/notes+first-note/changes/publish", { date: "2024-06-30" })).body).toEqual(OK);
    expect(await listFolder(path.join(site.root, NOTE))).toEqual(["note.txt"]);
    expect(await fileText(site, `${NOTE}/note.txt`)).toBe(
      "Title: First Note\n\n----\n\nDate: 2024-06-30\n\n----\n\nText: Published through changes\n\n----\n\nTags: gamma\n\n----\n\nUuid: firstnote0000001",
    );
    expect(await noteContent(admin)).toMatchObject({ text: "Published through changes", tags: ["gamma"] });

    // identical values leave no changes version; publishing without changes does nothing
    await post(admin, "pages/notes+first-note/changes/save", { text: "Published through changes" });
    expect(await listFolder(path.join(site.root, NOTE))).toEqual(["note.txt"]);
    const before = await fileText(site, `${NOTE}/note.txt`);
    expect((await post(admin, "pages/notes+first-note/changes/publish")).body).toEqual(OK);
    expect(await fileText(site, `${NOTE}/note.txt`)).toBe(before);

    await post(admin, "pages/notes+first-note/changes/save", { text: "Kept but unlocked" });
    expect((await post(admin, "pages/notes+first-note/changes/unlock")).body).toEqual(OK);
    expect(await fileText(site, NOTE_CHANGES)).toBe(
      "Title: First Note\n\n----\n\nDate: 2024-06-30\n\n----\n\nText: Kept but unlocked\n\n----\n\nTags: gamma\n\n----\n\nUuid: firstnote0000001",
    );
  });

  it("saves and publishes query parameters as fields too, the body winning", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    await post(admin, "pages/notes+first-note/changes/publish?text=from+query&mood=calm", { text: "from body" });
    expect(await noteContent(admin)).toMatchObject({ text: "from body", mood: "calm" });
  });

  it("publishes crash-safely: the published file is replaced whole and the changes go after it", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    await post(admin, "pages/notes+first-note/changes/save", { text: "A" });
    await post(admin, "pages/notes+first-note/changes/publish");
    const entries = await listFolder(path.join(site.root, NOTE));
    expect(entries).toEqual(["note.txt"]);
    expect(await fileText(site, `${NOTE}/note.txt`)).toContain("Text: A");
  });

  it("removes a Kirby 4 .lock file of the page on save, publish and discard", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    for (const action of ["save", "publish", "discard"]) {
      await writeFile(path.join(site.root, NOTE, ".lock"), "legacy");
      await post(admin, `pages/notes+first-note/changes/${action}`, { text: `by ${action}` });
      expect(existsSync(path.join(site.root, NOTE, ".lock")), action).toBe(false);
    }
  });
});

describe("the site and users", () => {
  it("keeps the site's changes in content/_changes/site.txt", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    await post(admin, "site/changes/save", { description: "Draft description" });
    expect(await fileText(site, "content/_changes/site.txt")).toBe(
      "Title: Oracle Site\n\n----\n\nDescription: Draft description\n\n----\n\nLock: admin001",
    );
    expect(dataOf(await admin.get("/api/site?select=content"))["content"]).toMatchObject({
      description: "Golden fixture site for the Kirby API oracle",
    });
    await post(admin, "site/changes/discard");
    expect(await listFolder(path.join(site.root, "content", "_changes"))).toBeNull();

    await post(admin, "site/changes/publish", { description: "Published" });
    expect(dataOf(await admin.get("/api/site?select=content"))["content"]).toMatchObject({ description: "Published" });
  });

  it("keeps the account's changes in site/accounts/<id>/_changes/user.txt, without credentials", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    expect((await post(admin, "account/changes/save", { bio: "hello", email: "x@example.com" })).body).toEqual(OK);
    expect(await listFolder(path.join(site.root, "site/accounts/admin001"))).toEqual(
      expect.arrayContaining([".htpasswd", "index.php", "user.txt", "_changes"]),
    );
    expect(await fileText(site, "site/accounts/admin001/_changes/user.txt")).toBe(
      "Bio: hello\n\n----\n\nLock: admin001",
    );
    expect(dataOf(await admin.get("/api/account"))["email"]).toBe("admin@example.com");

    await post(admin, "account/changes/publish");
    expect(await fileText(site, "site/accounts/admin001/user.txt")).toBe("Bio: hello");
    expect(await listFolder(path.join(site.root, "site/accounts/admin001"))).not.toContain("_changes");
    expect(dataOf(await admin.get("/api/account"))["email"]).toBe("admin@example.com");
  });

  it("lets the admin save another user's changes through users/<id>", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    expect((await post(admin, "users/editor01/changes/save", { bio: "from admin" })).status).toBe(200);
    expect(await fileText(site, "site/accounts/editor01/_changes/user.txt")).toBe(
      "Bio: from admin\n\n----\n\nLock: admin001",
    );
    expect((await post(admin, "users/nobody42/changes/save", { bio: "x" })).status).toBe(404);
  });
});

describe("who may call the changes routes", () => {
  it("needs a logged-in session with the CSRF token", async () => {
    const site = await startSite();
    const anonymous = site.client();
    expect(
      (await anonymous.request("POST", "/api/pages/notes+first-note/changes/save", { json: { text: "x" } })).status,
    ).toBe(401);
    const admin = await loggedIn(site);
    const noCsrf = await admin.request("POST", "/api/pages/notes+first-note/changes/save", { json: { text: "x" } });
    expect(noCsrf.status).toBe(401);
    expect(existsSync(path.join(site.root, NOTE_CHANGES))).toBe(false);
  });

  it("refuses a user without panel access", async () => {
    const site = await startSite();
    const noaccess = site.client();
    await noaccess.login(NOACCESS);
    expect((await post(noaccess, "pages/notes+first-note/changes/save", { text: "x" })).status).toBe(401);
    expect(existsSync(path.join(site.root, NOTE_CHANGES))).toBe(false);
  });

  it("lets the editor change pages, the site and the own account, not other users", async () => {
    const site = await startSite();
    const editor = await loggedIn(site, EDITOR);
    expect((await post(editor, "pages/notes+first-note/changes/save", { text: "by editor" })).status).toBe(200);
    expect((await post(editor, "site/changes/save", { description: "by editor" })).status).toBe(200);
    expect((await post(editor, "account/changes/save", { bio: "me" })).status).toBe(200);
    const other = await post(editor, "users/admin001/changes/save", { bio: "not mine" });
    expect(other.status).toBe(404);
    expect(existsSync(path.join(site.root, "site/accounts/admin001/_changes"))).toBe(false);
  });

  it("refuses the changes of a page without update permission and a new title without changeTitle", async () => {
    const site = await startSite();
    await writeFile(
      path.join(site.root, "site/blueprints/pages/note.yml"),
      "title: Note\noptions:\n  changeTitle: false\nfields:\n  text:\n    type: textarea\n",
    );
    await writeFile(
      path.join(site.root, "site/blueprints/pages/default.yml"),
      "title: Default\noptions:\n  update: false\n",
    );
    await site.close();
    const restarted = await startSite({ root: site.root });
    const admin = await loggedIn(restarted);
    const refused = await post(admin, "pages/about/changes/save", { text: "x" });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ key: "error.page.update.permission" });

    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "New" })).status).toBe(200);
    const publish = await post(admin, "pages/notes+first-note/changes/publish");
    expect(publish.status).toBe(403);
    expect(publish.body).toMatchObject({ key: "error.page.changeTitle.permission" });
    expect(await fileText(restarted, `${NOTE}/note.txt`)).toContain("Title: First Note");
    expect(await fileText(restarted, NOTE_CHANGES)).toContain("Title: New");
  });
});

describe("input the changes routes refuse or ignore", () => {
  it("refuses a UUID change (400) and writes nothing", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    for (const action of ["save", "publish"]) {
      const reply = await post(admin, `pages/notes+first-note/changes/${action}`, { uuid: "aboutpage0000001" });
      expect(reply.status, action).toBe(400);
      expect(reply.body).toMatchObject({ key: "error.invalidArgument" });
    }
    expect(existsSync(path.join(site.root, NOTE, "_changes"))).toBe(false);
  });

  it("never takes the lock holder from the input", async () => {
    const site = await startSite({ config: { content: { locking: false } } });
    const admin = await loggedIn(site);
    await post(admin, "pages/notes+first-note/changes/save", { text: "x", Lock: "editor01" });
    expect(await fileText(site, NOTE_CHANGES)).not.toContain("Lock");
  });

  it("keeps keys like __proto__ and constructor as plain fields", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    const reply = await admin.request("POST", "/api/pages/notes+first-note/changes/save", {
      withCsrf: true,
      raw: { body: '{"__proto__": {"polluted": "yes"}, "constructor": "c"}', contentType: "application/json" },
    });
    expect(reply.status).toBe(200);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("answers 404 for pages that do not exist or that a path would escape to", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    for (const id of ["nope", "..+..+site", "notes+..+..", "%2e%2e"]) {
      const reply = await post(admin, `pages/${id}/changes/save`, { text: "x" });
      expect(reply.status, id).toBe(404);
    }
    expect(existsSync(path.join(site.root, "_changes"))).toBe(false);
    expect(existsSync(path.join(site.root, "content", "_changes"))).toBe(false);
  });

  it("has no GET route and no other actions", async () => {
    const site = await startSite();
    const admin = await loggedIn(site);
    expect((await admin.get("/api/pages/notes+first-note/changes/save")).status).toBe(404);
    expect((await post(admin, "pages/notes+first-note/changes/preview")).status).toBe(404);
    expect((await admin.request("PATCH", "/api/site/changes/save", { withCsrf: true })).status).toBe(404);
  });
});
